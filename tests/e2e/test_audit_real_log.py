"""`baton audit --json` on the real UCI incident log, read in place as published.

Data: "Incident management process enriched event log", UCI Machine Learning
Repository, dataset 498, DOI 10.24432/C57S4H (C. A. L. Amaral, M. Fantinato,
S. M. Peres), licensed CC BY 4.0. The figures pinned here are stated in
docs/analytics.md."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest

from tests.real_data import UCI_LOG as LOG
from tests.real_data import UCI_MAPPING as MAPPING


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    if not LOG.exists():
        message = f"the UCI incident log is not at {LOG} (../shared/data from the project root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("audit") / "audit.csv"
    result = subprocess.run(
        [sys.executable, "-m", "baton.cli.main", "audit", str(LOG), *MAPPING, "--json", "--csv", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), out


def test_the_audit_counts_every_incident_and_row_the_dataset_publishes(audit):
    figures = audit[0]["audit"]
    assert (figures["cases"], figures["events"]) == (24_918, 141_712)
    report = audit[0]["import"]
    assert (report["rows_read"], report["rows_kept"], report["rows_skipped"]) == (141_712, 141_712, 0)
    # One case has a row recorded out of time order (INC0000137): reported, then put in time order.
    assert report["notices"][0].startswith("1 row(s) come earlier in time")
    assert "row 359, case INC0000137" in report["notices"][0]


def test_handovers_and_ping_pong_on_the_real_log(audit):
    figures = audit[0]["audit"]
    assert figures["cases_with_team_path"] == 24_545  # 373 incidents never name a group
    assert (figures["ping_pong_cases"], figures["direct_ping_pong_cases"]) == (2_628, 2_216)
    assert figures["handovers"] == 19_087
    assert figures["mean_handovers_per_case"] == pytest.approx(0.7776, abs=1e-4)


def test_support_lines_are_unavailable_on_a_log_that_records_none(audit):
    figures = audit[0]["audit"]
    for line in (2, 3):
        assert figures[f"share_reaching_line_{line}"].startswith("unavailable: ")
    metrics = {m["name"]: m for m in audit[0]["metrics"]["metrics"]}
    assert metrics["escalation_rate"]["available"] is False
    assert metrics["time_to_first_reply"]["available"] is False


def test_rates_on_the_real_log(audit):
    metrics = {m["name"]: m for m in audit[0]["metrics"]["metrics"]}
    assert metrics["reopen_rate"]["value"]["numerator"] == 276
    fcr = metrics["first_contact_resolution"]
    assert (fcr["value"]["numerator"], fcr["value"]["denominator"]) == (14_192, 24_253)
    assert fcr["excluded"] == [{"reason": "no agent recorded up to the resolution", "cases": 665}]
    assert metrics["sla_attainment"]["value"]["rows"] == [["made_sla", 15_803, 24_918, 15_803 / 24_918, 0]]


def test_our_figures_against_the_source_systems_own_counters(audit):
    """The log's reassignment_count and reopen_count are the ServiceNow counters: the
    audit sees fewer group changes (snapshots miss some) and one reopen more (the
    out-of-order row of INC0000137 follows its resolution in time)."""
    with zipfile.ZipFile(LOG) as archive:
        data = archive.read("incident_event_log.csv")
    columns = ["number", "reassignment_count", "reopen_count"]
    source = pl.read_csv(io.BytesIO(data), null_values="?", infer_schema=False, columns=columns)
    per_case = source.group_by("number").agg(
        pl.col("reassignment_count").cast(pl.Int64).max(), pl.col("reopen_count").cast(pl.Int64).max()
    )
    assert per_case.get_column("reassignment_count").sum() == 23_414 > audit[0]["audit"]["handovers"]
    assert per_case.filter(pl.col("reopen_count") > 0).height == 275


def test_the_per_ticket_export_lists_every_incident_longest_first(audit):
    table = pl.read_csv(audit[1])
    assert table.height == 24_918
    hours = table.get_column("total_hours")
    assert hours.is_sorted(descending=True, nulls_last=True)
    assert table.filter(pl.col("ping_pong")).height == 2_628
