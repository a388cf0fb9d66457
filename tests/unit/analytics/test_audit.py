"""The per-ticket audit and its CSV / XLSX export."""

from __future__ import annotations

import polars as pl
from openpyxl import load_workbook

from baton.analytics.audit import SortBy, audit_table, figures, write_csv, write_xlsx
from baton.analytics.cases import summarise
from baton.analytics.frame import Capability
from baton.analytics.report import compute

from .history import history


def test_one_row_per_ticket_with_path_stages_and_counts_longest_first():
    log = history()
    table = audit_table(log, summarise(log))
    assert table.get_column("ticket").to_list() == ["C", "B", "A", "E", "D"]
    b = table.filter(pl.col("ticket") == "B").row(0, named=True)
    assert b["initial_agent"] == "amara"
    assert b["escalation_path"] == "frontline (T1) > api (T3) > frontline (T1) > api (T3)"
    assert b["tier_path"] == "1 > 3 > 1 > 3"
    assert b["time_at_stages"] == "frontline 0.5h > api 1.0h > frontline 0.5h > api 2.0h"
    assert (b["total_hours"], b["escalations"], b["bounces"], b["reassignments"], b["reopens"]) == (4.0, 2, 1, 3, 0)
    c = table.filter(pl.col("ticket") == "C").row(0, named=True)
    assert (c["total_hours"], c["resolution_hours"], c["agent_changes"]) == (round(260 / 60, 2), round(160 / 60, 2), 1)
    # D never resolved: its total runs to its last event.
    assert table.filter(pl.col("ticket") == "D").get_column("final_resolved").to_list() == [None]


def test_sorting_by_escalations_puts_the_most_escalated_first():
    log = history()
    table = audit_table(log, summarise(log), SortBy.ESCALATIONS)
    assert table.get_column("ticket").to_list()[:3] == ["B", "C", "E"]


def test_counts_a_log_cannot_know_are_empty_not_zero():
    log = history(capabilities=frozenset({Capability.TEAMS, Capability.AGENTS}))
    table = audit_table(log, summarise(log))
    assert table.get_column("escalations").null_count() == table.height
    assert table.get_column("bounces").null_count() == table.height


def test_csv_and_xlsx_hold_the_same_rows(tmp_path):
    log = history()
    table = audit_table(log, summarise(log))
    write_csv(table, tmp_path / "audit.csv")
    write_xlsx(table, tmp_path / "audit.xlsx")
    back = pl.read_csv(tmp_path / "audit.csv")
    assert back.get_column("ticket").to_list() == table.get_column("ticket").to_list()
    assert back.get_column("created")[0] == "2026-11-02T09:00:00Z"
    workbook = load_workbook(tmp_path / "audit.xlsx", read_only=True)
    try:
        rows = list(workbook["audit"].iter_rows(values_only=True))
    finally:
        workbook.close()
    assert rows[0][0] == "ticket" and "created (UTC)" in rows[0]
    assert [r[0] for r in rows[1:]] == table.get_column("ticket").to_list()
    assert rows[2][rows[0].index("escalation_path")] == table.get_column("escalation_path")[1]


def test_headline_figures():
    log = history()
    summary = summarise(log)
    out = figures(log, summary, compute(log, summary=summary))
    assert (out["cases"], out["events"], out["ping_pong_cases"], out["direct_ping_pong_cases"]) == (5, 36, 2, 1)
    assert out["mean_handovers_per_case"] == 6 / 5
    assert (out["share_reaching_line_2"], out["share_reaching_line_3"]) == (2 / 5, 1 / 5)
