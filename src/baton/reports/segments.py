"""What the weekly report counts per case, per week and per segment, in Polars.

- :class:`Measure`: which cases count as escalated. With tiers or recorded
  escalations it is the ``escalation_rate`` metric's own numerator and
  denominator (at least one escalation, among cases with a known tier or an
  assist upward); a source without either falls back to *reassigned* cases (at
  least one handover, among cases with a team path), as first-contact
  resolution already does, and says so.
- :func:`support_seconds`: the time each case spent in escalated stages.
- :func:`weekly_counts`: per segment (a category, customer tier or severity),
  per week of first resolution, the cases counted and those escalated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from baton.analytics.cases import KEY, Summary
from baton.analytics.frame import Capability, EventLog
from baton.analytics.report import DIMENSION_COLUMN, Dimension
from baton.core.calendar import Calendar, business_time_between

_c = pl.col


@dataclass(frozen=True)
class Measure:
    key: str
    noun: str
    """Plural, as in "47 escalations"."""
    definition: str
    notes: tuple[str, ...] = ()

    @property
    def hit(self) -> pl.Expr:
        return _c("escalations") > 0 if self.key == "escalated" else _c("handovers") > 0

    @property
    def known(self) -> pl.Expr:
        if self.key == "escalated":
            return _c("max_tier").is_not_null() | (_c("assists_up") > 0)
        return _c("team_runs").is_not_null()

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "noun": self.noun, "definition": self.definition, "notes": list(self.notes)}


ESCALATED = Measure(
    "escalated",
    "escalations",
    "cases with at least one escalation (an upward step of the tier path or an assist to a higher tier), "
    "among cases with a known tier: the escalation_rate metric",
)
REASSIGNED = Measure(
    "reassigned",
    "reassigned cases",
    "cases with at least one handover (a step of the team path), among cases with a team path",
    ("the source records no tiers and no escalations: escalation is judged by the team path alone",),
)


def measure_for(log: EventLog) -> Measure | None:
    """The measure this source can give, or None when it has neither tiers nor teams."""
    if log.has(Capability.TIERS) or log.has(Capability.ESCALATIONS):
        return ESCALATED
    if log.has(Capability.TEAMS):
        return REASSIGNED
    return None


SEGMENTS: tuple[tuple[Dimension, Capability, str], ...] = (
    (Dimension.CATEGORY, Capability.CATEGORIES, "about {}"),
    (Dimension.CUSTOMER_TIER, Capability.CUSTOMER_TIERS, "from {} customers"),
    (Dimension.SEVERITY, Capability.SEVERITY, "of {} severity"),
)
"""The dimensions anomalies are looked for in, what the source needs to record
for each, and how a message names a segment ("about data-export")."""


def support_definition(log: EventLog, calendar: Calendar | None) -> str | None:
    """What "support hours" means for this source, or None when it cannot say."""
    clock = f"business hours on the {calendar.name} calendar" if calendar else "calendar hours"
    if log.has(Capability.TIERS):
        return (
            f"{clock} a case spent at tiers 2-4: its time at each stage of the tier path above tier 1 "
            "(METRICS.md time at a stage), whole stages, up to the final resolution"
        )
    if log.has(Capability.TEAMS):
        return (
            f"{clock} a case spent after its first team: its time at each stage of the team path but the "
            "first (the source records no tiers), up to the final resolution"
        )
    return None


def support_seconds(summary: Summary, log: EventLog, calendar: Calendar | None = None) -> pl.DataFrame:
    """``gid``, ``support_seconds`` for every case of ``summary`` (0 for a case
    never escalated). Empty when the source records neither tiers nor teams."""
    if log.has(Capability.TIERS):
        runs = summary.tier_runs.filter(_c("tier") >= 2)
    elif log.has(Capability.TEAMS):
        first = summary.team_runs.group_by(KEY).agg(first=_c("pos").min())
        runs = summary.team_runs.join(first, on=KEY).filter(_c("pos") > _c("first"))
    else:
        return pl.DataFrame(schema={KEY: pl.UInt32(), "support_seconds": pl.Float64()})
    runs = runs.select(KEY, "start", "end", "seconds")
    if calendar is not None:
        spans = runs.select("start", "end").rows()
        business = [business_time_between(a, b, calendar).total_seconds() for a, b in spans]
        runs = runs.with_columns(seconds=pl.Series(business, dtype=pl.Float64))
    per = runs.group_by(KEY).agg(support_seconds=_c("seconds").sum())
    return (
        summary.cases.select(KEY)
        .join(per, on=KEY, how="left")
        .with_columns(support_seconds=_c("support_seconds").fill_null(0.0))
    )


def week_start(column: str = "first_resolved") -> pl.Expr:
    """The Monday 00:00 UTC starting the week of ``column``, as ``Granularity.WEEK`` slices."""
    return _c(column).dt.truncate("1w")


def counted(cases: pl.DataFrame, measure: Measure) -> pl.DataFrame:
    """``cases`` with ``week``, ``hit`` and ``known`` columns."""
    return cases.with_columns(week=week_start(), hit=measure.hit.fill_null(False), known=measure.known.fill_null(False))


@dataclass(frozen=True)
class Tally:
    hits: int
    cases: int


def weekly_counts(cases: pl.DataFrame, dimension: Dimension) -> dict[str | None, dict[datetime, Tally]]:
    """Per value of ``dimension`` (None: unknown), per week start: escalated and
    counted cases. ``cases`` comes from :func:`counted`."""
    column = DIMENSION_COLUMN[dimension]
    grouped = (
        cases.filter(_c("known"))
        .group_by(column, "week")
        .agg(hits=_c("hit").sum().cast(pl.Int64), cases=pl.len().cast(pl.Int64))
    )
    out: dict[str | None, dict[datetime, Tally]] = defaultdict(dict)
    for value, week, hits, total in grouped.rows():
        out[value][week] = Tally(hits, total)
    return dict(out)
