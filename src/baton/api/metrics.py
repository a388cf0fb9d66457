"""/api/v1/metrics: escalation metrics of Baton's history or of an imported one,
each with its one-line definition, period, population and exclusions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from baton.analytics.metrics import DEFINITIONS
from baton.analytics.report import Dimension, Granularity, compute
from baton.analytics.results import Period
from baton.api.callers import CurrentCaller
from baton.api.deps import BatonDep
from baton.api.text import Label, Name
from baton.core.errors import FieldError, InvalidCommand
from baton.integrations.importers.baton_history import SOURCE
from baton.integrations.importers.sources import load_source
from baton.integrations.importers.stored import list_histories
from baton.services.visibility import visible_cases

router = APIRouter(tags=["metrics"])


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@router.get("/metrics")
def get_metrics(
    baton: BatonDep,
    caller: CurrentCaller,
    source: Annotated[
        Name, Query(description="'baton', or the name of a history imported with `baton import`.")
    ] = SOURCE,
    start: Annotated[datetime | None, Query(description="Period start (UTC unless an offset is given).")] = None,
    end: Annotated[datetime | None, Query(description="Period end, exclusive.")] = None,
    granularity: Annotated[Granularity | None, Query(description="Also slice by day, week or month.")] = None,
    by: Annotated[Dimension | None, Query(description="Also slice by this dimension.")] = None,
    metric: Annotated[
        list[Label] | None, Query(max_length=50, description="Only these metrics (repeat the parameter).")
    ] = None,
    calendar: Annotated[Label | None, Query(description="A playbook calendar for business times.")] = None,
) -> dict[str, Any]:
    """Every metric over the cases first resolved in the period (all time by default)."""
    try:
        period = Period(_utc(start), _utc(end))
    except ValueError as exc:
        raise InvalidCommand(str(exc), (FieldError("end", "must be after start"),)) from None
    unknown = [m for m in metric or () if m not in DEFINITIONS]
    if unknown:
        known = ", ".join(DEFINITIONS)
        raise InvalidCommand(f"unknown metric(s): {', '.join(unknown)}", (FieldError("metric", f"known: {known}"),))
    chosen = None
    if calendar is not None:
        chosen = baton.playbook.calendars.get(calendar)
        if chosen is None:
            known = ", ".join(baton.playbook.calendars)
            raise InvalidCommand(f"unknown calendar {calendar!r}", (FieldError("calendar", f"known: {known}"),))
    log = load_source(baton.engine, baton.playbook, source, period)
    report = compute(log, period, by, granularity, chosen, tuple(metric) if metric else None)
    answer = report.to_dict()
    # the drill-downs (a metric's cases) list only the tickets the caller may see
    listed = [m for m in answer["metrics"] if m.get("cases")]
    cases = {(c, None) for m in listed for c in m["cases"]}
    seen = visible_cases(baton.engine, baton.playbook, caller, cases, baton_ids=source == SOURCE)
    for m in listed:
        m["cases"] = [c for c in m["cases"] if c in seen]
    return answer


@router.get("/metrics/definitions")
def get_definitions(_caller: CurrentCaller) -> dict[str, str]:
    """The one-line definition of every metric."""
    return dict(DEFINITIONS)


@router.get("/metrics/sources")
def get_sources(baton: BatonDep, _caller: CurrentCaller) -> list[dict[str, Any]]:
    """Histories metrics can be asked of: Baton's own and every imported one."""
    imported = [
        {
            "name": h.name,
            "source": h.source,
            "imported_at": h.imported_at.isoformat(),
            "events": h.events,
            "cases": h.cases,
        }
        for h in list_histories(baton.engine)
    ]
    return [{"name": SOURCE, "source": "Baton's own ticket events"}, *imported]
