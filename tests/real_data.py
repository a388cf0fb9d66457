"""The real incident log the tests read in place (never copied), and how its columns map."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UCI_LOG = ROOT.parent / "shared" / "data" / "uci-incident-log" / "incident_event_log.csv.zip"
UCI_MAPPING = [
    "--case", "number",
    "--time", "sys_updated_at",
    "--time-format", "%d/%m/%Y %H:%M",
    "--activity", "incident_state",
    "--team", "assignment_group",
    "--agent", "assigned_to",
    "--category", "category",
    "--severity", "priority",
    "--sla-met", "made_sla",
]  # fmt: skip
