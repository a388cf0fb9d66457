"""All metrics of a history for a period, whole and sliced by a dimension or by
day / week / month: the one entry point the API, the CLI and reports share."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import polars as pl

from baton.analytics.cases import Summary, summarise
from baton.analytics.frame import EventLog
from baton.analytics.metrics import METRICS
from baton.analytics.results import Metric, Period, Population
from baton.analytics.scope import Scope, select_population
from baton.core.calendar import Calendar

_c = pl.col


class Dimension(StrEnum):
    """What a slice groups cases by: the case's last known category, severity and
    customer tier; its first agent and first team (role)."""

    CATEGORY = "category"
    AGENT = "agent"
    ROLE = "role"
    CUSTOMER_TIER = "customer_tier"
    SEVERITY = "severity"


DIMENSION_COLUMN = {
    Dimension.CATEGORY: "category",
    Dimension.AGENT: "first_agent",
    Dimension.ROLE: "first_team",
    Dimension.CUSTOMER_TIER: "customer_tier",
    Dimension.SEVERITY: "severity",
}


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


_EVERY = {Granularity.DAY: "1d", Granularity.WEEK: "1w", Granularity.MONTH: "1mo"}


@dataclass(frozen=True)
class Slice:
    key: dict[str, Any]
    period: Period
    population: Population
    metrics: tuple[Metric, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "period": self.period.to_dict(),
            "population": self.population.to_dict(),
            "metrics": [m.to_dict() for m in self.metrics],
        }


@dataclass(frozen=True)
class Report:
    source: str
    period: Period
    population: Population
    metrics: tuple[Metric, ...]
    by: Dimension | None = None
    granularity: Granularity | None = None
    slices: tuple[Slice, ...] = ()
    notes: tuple[str, ...] = ()

    def metric(self, name: str) -> Metric:
        return next(m for m in self.metrics if m.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "period": self.period.to_dict(),
            "population": self.population.to_dict(),
            "by": self.by.value if self.by else None,
            "granularity": self.granularity.value if self.granularity else None,
            "metrics": [m.to_dict() for m in self.metrics],
            "slices": [s.to_dict() for s in self.slices],
            "notes": list(self.notes),
        }


def evaluate(
    log: EventLog,
    summary: Summary,
    period: Period,
    population: Population,
    calendar: Calendar | None = None,
    names: tuple[str, ...] | None = None,
) -> tuple[Metric, ...]:
    scope = Scope(log, period, population, summary, calendar)
    return tuple(METRICS[name](scope) for name in (names or tuple(METRICS)))


def _slices(
    log: EventLog,
    summary: Summary,
    period: Period,
    by: Dimension | None,
    granularity: Granularity | None,
    calendar: Calendar | None,
    names: tuple[str, ...] | None,
) -> tuple[Slice, ...]:
    cases = summary.cases
    keys: list[str] = []
    if granularity is not None:
        every = _EVERY[granularity]
        cases = cases.with_columns(period_start=_c("first_resolved").dt.truncate(every))
        cases = cases.with_columns(period_end=_c("period_start").dt.offset_by(every))
        keys += ["period_start", "period_end"]
    if by is not None:
        cases = cases.with_columns(_c(DIMENSION_COLUMN[by]).alias(by.value))
        keys.append(by.value)
    out: list[Slice] = []
    for group in cases.select(keys).unique().sort(keys, nulls_last=True).iter_rows(named=True):
        match = pl.lit(True)
        for key, value in group.items():
            match = match & (_c(key).is_null() if value is None else _c(key) == value)
        chosen = cases.filter(match)
        label = {k: v for k, v in group.items() if k not in ("period_start", "period_end")}
        where = ", ".join(f"{k} = {v if v is not None else 'unknown'}" for k, v in label.items())
        slice_period = period
        if granularity is not None:
            slice_period = Period(group["period_start"], group["period_end"])
        population = Population(
            description="cases first resolved in the period" + (f" with {where}" if where else ""),
            cases=chosen.height,
        )
        metrics = evaluate(log, summary.restrict(chosen), slice_period, population, calendar, names)
        out.append(Slice(label, slice_period, population, metrics))
    return tuple(out)


def compute(
    log: EventLog,
    period: Period | None = None,
    by: Dimension | None = None,
    granularity: Granularity | None = None,
    calendar: Calendar | None = None,
    names: tuple[str, ...] | None = None,
    summary: Summary | None = None,
) -> Report:
    """Every metric (or those ``names``) over the cases first resolved in ``period``,
    and, with ``by`` and/or ``granularity``, the same per slice."""
    period = period or Period(None, None)
    unknown = [n for n in names or () if n not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
    summary = summary if summary is not None else summarise(log)
    chosen, population = select_population(summary, log, period)
    metrics = evaluate(log, chosen, period, population, calendar, names)
    slices: tuple[Slice, ...] = ()
    if by is not None or granularity is not None:
        slices = _slices(log, chosen, period, by, granularity, calendar, names)
    return Report(log.source, period, population, metrics, by, granularity, slices, log.notes)
