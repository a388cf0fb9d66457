"""The escalation audit: one row per ticket, the headline figures of a history,
and its export to CSV and XLSX."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl

from baton.analytics.cases import Summary, path_texts
from baton.analytics.frame import Capability, EventLog
from baton.analytics.report import Report
from baton.analytics.spreadsheet import neutralise_formulas

_c = pl.col
HOUR = 3600.0


class SortBy(StrEnum):
    TOTAL_TIME = "total_time"
    ESCALATIONS = "escalations"


COLUMNS: dict[str, str] = {
    "ticket": "the case id",
    "initial_agent": "the first agent who held the case",
    "escalation_path": "teams (roles) in order, with their tier where known",
    "tier_path": "support lines in order",
    "time_at_stages": "hours at each run of a team, in path order",
    "total_hours": "creation to the final resolution (or to the last event if unresolved)",
    "resolution_hours": "time to resolve: open periods summed up to the final resolution",
    "category": "the case's last known category",
    "severity": "the case's last known severity",
    "escalations": "upward tier steps plus assists to a higher tier (empty: the log has no tiers)",
    "bounces": "handoffs bounced back (empty: the log does not record bounces)",
    "reassignments": "handovers: steps of the team path",
    "agent_changes": "steps of the agent path",
    "reopens": "reopen count",
    "ping_pong": "the team path returns to a team it left",
    "created": "first event (UTC)",
    "first_resolved": "first resolution (UTC)",
    "final_resolved": "final resolution (UTC)",
}


def audit_table(log: EventLog, summary: Summary, sort: SortBy = SortBy.TOTAL_TIME) -> pl.DataFrame:
    """One row per case with the columns of :data:`COLUMNS`, longest (or most
    escalated) first."""
    cases = summary.cases.join(path_texts(summary), on="gid", how="left")
    knows_escalations = log.has(Capability.TIERS) or log.has(Capability.ESCALATIONS)
    end = pl.coalesce(_c("final_resolved"), _c("last_ts"))
    table = cases.select(
        ticket=_c("case"),
        initial_agent=_c("first_agent"),
        escalation_path=_c("escalation_path"),
        tier_path=_c("tier_path"),
        time_at_stages=_c("time_at_stages"),
        total_hours=((end - _c("created")).dt.total_seconds(fractional=True) / HOUR).round(2),
        resolution_hours=(_c("open_seconds") / HOUR).round(2),
        category=_c("category"),
        severity=_c("severity"),
        escalations=_c("escalations") if knows_escalations else pl.lit(None, pl.Int64),
        bounces=_c("bounces") if log.has(Capability.ESCALATIONS) else pl.lit(None, pl.Int64),
        reassignments=_c("handovers"),
        agent_changes=_c("agent_changes"),
        reopens=_c("reopens"),
        ping_pong=_c("ping_pong"),
        created=_c("created"),
        first_resolved=_c("first_resolved"),
        final_resolved=_c("final_resolved"),
    )
    keys = ["total_hours", "escalations"] if sort is SortBy.TOTAL_TIME else ["escalations", "total_hours"]
    return table.sort([*keys, "ticket"], descending=[True, True, False], nulls_last=True)


def figures(log: EventLog, summary: Summary, report: Report) -> dict[str, Any]:
    """The headline of an audit: cases, events, ping-pong, handovers, tier reach."""
    cases = summary.cases
    with_team = cases.filter(_c("team_runs").is_not_null())
    out: dict[str, Any] = {
        "source": log.source,
        "cases": cases.height,
        "events": summary.events,
        "first_event": _iso(cases.get_column("created").min()),
        "last_event": _iso(cases.get_column("last_ts").max()),
        "cases_with_team_path": with_team.height,
        "ping_pong_cases": with_team.filter(_c("ping_pong")).height,
        "direct_ping_pong_cases": with_team.filter(_c("direct_ping_pong")).height,
        "mean_handovers_per_case": _mean(with_team.get_column("handovers")),
        "handovers": int(with_team.get_column("handovers").sum()),
    }
    if log.has(Capability.TIERS):
        tiered = cases.filter(_c("max_tier").is_not_null())
        for line in (2, 3):
            reached = tiered.filter(_c("max_tier") >= line).height
            out[f"share_reaching_line_{line}"] = reached / tiered.height if tiered.height else None
    else:
        why = f"unavailable: {log.source} records no support line (give --tier or --tier-rule)"
        out["share_reaching_line_2"] = out["share_reaching_line_3"] = why
    out["metrics_population"] = report.population.to_dict()
    return out


def _mean(values: pl.Series) -> float | None:
    mean = values.drop_nulls().mean()
    return None if mean is None else float(mean)  # type: ignore[arg-type]


def _iso(value: object) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else None


def write_csv(table: pl.DataFrame, path: Path) -> None:
    """Text that a spreadsheet would run as a formula is written as text (see
    :mod:`baton.analytics.spreadsheet`)."""
    neutralise_formulas(table).write_csv(path, datetime_format="%Y-%m-%dT%H:%M:%SZ")


def write_xlsx(table: pl.DataFrame, path: Path) -> None:
    """An XLSX sheet with a header row, frozen and filterable (sortable) columns;
    times in UTC (Excel keeps no time zone). Every text is a string cell, never a
    formula: text that could start one is neutralised as in CSV, and characters
    XML cannot hold (control characters) are written as U+FFFD."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("audit")
    sheet.freeze_panes = "A2"
    widths = {"escalation_path": 60, "time_at_stages": 60, "tier_path": 16}
    for index, name in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(name, 14)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{table.height + 1}"
    header = []
    for name in table.columns:
        cell = WriteOnlyCell(sheet, value=name + (" (UTC)" if isinstance(table.schema[name], pl.Datetime) else ""))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    naive = neutralise_formulas(table).with_columns(
        [
            _c(name).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            for name, dtype in table.schema.items()
            if isinstance(dtype, pl.Datetime)
        ]
    )

    def text_cell(value: object) -> object:
        if not isinstance(value, str):
            return value
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
        cell.data_type = "s"  # openpyxl would take a text starting with "=" for a formula
        return cell

    for row in naive.iter_rows():
        sheet.append([text_cell(value) for value in row])
    workbook.save(path)
