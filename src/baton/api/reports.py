"""/api/v1/reports/weekly: the weekly escalation report's figures as JSON, the same
data ``baton report weekly`` writes beside its HTML file."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query

from baton.api.callers import CurrentCaller
from baton.api.deps import BatonDep
from baton.api.text import Label, Name
from baton.core.errors import FieldError, InvalidCommand, NotFound
from baton.integrations.importers.baton_history import SOURCE
from baton.reports.weekly import EmptyHistory, weekly_report
from baton.reports.weeks import IsoWeek, WeekError
from baton.services.visibility import visible_cases

router = APIRouter(tags=["reports"])


@router.get("/reports/weekly")
def get_weekly_report(
    baton: BatonDep,
    caller: CurrentCaller,
    week: Annotated[
        Label | None,
        Query(description="ISO week, e.g. 2026-W46 (Monday to Sunday, UTC); the last full week by default."),
    ] = None,
    source: Annotated[
        Name, Query(description="'baton', or the name of a history imported with `baton import`.")
    ] = SOURCE,
    calendar: Annotated[
        Label | None, Query(description="A playbook calendar: support hours in business time on it.")
    ] = None,
) -> dict[str, Any]:
    """The week's escalation rate and its 12-week trend, the top five categories and the support hours they
    cost, ping-pong cases, SLA attainment, agent escalation spread, the tier flow and the anomaly flags."""
    now = baton.clock.now()
    try:
        chosen = IsoWeek.parse(week) if week else IsoWeek.last_full_before(now.date())
    except WeekError as exc:
        raise InvalidCommand(str(exc), (FieldError("week", "an ISO week like 2026-W46"),)) from None
    chosen_calendar = None
    if calendar is not None:
        chosen_calendar = baton.playbook.calendars.get(calendar)
        if chosen_calendar is None:
            known = ", ".join(baton.playbook.calendars)
            raise InvalidCommand(f"unknown calendar {calendar!r}", (FieldError("calendar", f"known: {known}"),))
    try:
        report = weekly_report(baton.engine, baton.playbook, source, chosen, now, chosen_calendar)
    except EmptyHistory as exc:
        raise NotFound(str(exc)) from None
    cases = [(c.case, c.category) for c in report.ping_pong_cases]
    seen = visible_cases(baton.engine, baton.playbook, caller, cases, baton_ids=source == SOURCE)
    return dataclasses.replace(
        report, ping_pong_cases=tuple(c for c in report.ping_pong_cases if c.case in seen)
    ).to_dict()
