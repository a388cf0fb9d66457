"""What a metric is computed over: the population of cases of a period, and the
helpers every metric function shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from baton.analytics.cases import Summary
from baton.analytics.frame import Capability, EventLog
from baton.analytics.results import Exclusion, Metric, Period, Population, Stats, Value
from baton.core.calendar import Calendar, business_time_between

_c = pl.col
LIST_LIMIT = 1000
"""At most this many cases are listed in a metric (the audit export lists all)."""


@dataclass(frozen=True)
class Scope:
    log: EventLog
    period: Period
    population: Population
    summary: Summary
    """Restricted to the population's cases."""
    calendar: Calendar | None = None

    @property
    def cases(self) -> pl.DataFrame:
        return self.summary.cases

    def metric(
        self,
        name: str,
        definition: str,
        value: Value | None = None,
        *,
        unavailable: str | None = None,
        excluded: tuple[Exclusion, ...] = (),
        business: Stats | None = None,
        cases: tuple[str, ...] | None = None,
        notes: tuple[str, ...] = (),
    ) -> Metric:
        return Metric(
            name=name,
            definition=definition,
            period=self.period,
            population=self.population,
            value=value,
            unavailable=unavailable,
            excluded=excluded,
            business=business,
            cases=cases,
            notes=notes,
        )

    def lacking(self, *needs: Capability) -> str | None:
        """Why the source cannot give a metric needing all of ``needs``, or None."""
        missing = [n.value for n in needs if not self.log.has(n)]
        if not missing:
            return None
        return f"{self.log.source} records no {' and no '.join(missing)}"

    def lacking_any(self, *needs: Capability) -> str | None:
        if any(self.log.has(n) for n in needs):
            return None
        return f"{self.log.source} records no {' and no '.join(n.value for n in needs)}"


MetricFunction = Callable[[Scope], Metric]


def stats(values: pl.Series, unit: str) -> Stats:
    values = values.drop_nulls().cast(pl.Float64)
    if values.is_empty():
        return Stats(unit, 0, None, None, None, 0.0)
    return Stats(
        unit=unit,
        count=values.len(),
        median=_float(values.median()),
        p90=_float(values.quantile(0.9, "linear")),
        mean=_float(values.mean()),
        total=float(values.sum()),
    )


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def seconds_between(start: str, end: str) -> pl.Expr:
    return (_c(end) - _c(start)).dt.total_microseconds() / 1e6


def business_stats(frame: pl.DataFrame, start: str, end: str, calendar: Calendar | None) -> Stats | None:
    """Business seconds between two columns, one case at a time (cases, not events)."""
    if calendar is None:
        return None
    pairs = frame.select(start, end).drop_nulls().rows()
    seconds = [business_time_between(a, b, calendar).total_seconds() for a, b in pairs if b >= a]
    return stats(pl.Series(seconds, dtype=pl.Float64), "seconds")


def excluded(reason: str, count: int) -> tuple[Exclusion, ...]:
    return (Exclusion(reason, count),) if count else ()


def listed(frame: pl.DataFrame) -> tuple[str, ...]:
    return tuple(frame.sort("case").get_column("case").head(LIST_LIMIT).to_list())


def list_note(total: int) -> tuple[str, ...]:
    if total <= LIST_LIMIT:
        return ()
    return (f"lists the first {LIST_LIMIT} of {total} cases by id; the audit export lists every case",)


def select_population(summary: Summary, log: EventLog, period: Period) -> tuple[Summary, Population]:
    """Cases first resolved in ``period``; the others with events in it are counted
    as exclusions with their reason."""
    cases = summary.cases
    active = pl.lit(True)
    if period.end is not None:
        active = active & (_c("created") < _lit(period.end))
    if period.start is not None:
        active = active & (_c("last_ts") >= _lit(period.start))
    base = cases.filter(active)
    rejected = base.join(log.excluded, on="case", how="semi")
    base = base.join(log.excluded, on="case", how="anti")
    exclusions = [
        Exclusion(reason, n)
        for reason, n in log.excluded.join(rejected.select("case"), on="case", how="semi")
        .group_by("reason")
        .len()
        .sort("reason")
        .rows()
    ]
    unresolved = _c("first_resolved").is_null()
    exclusions.append(Exclusion("not resolved by the end of the history", base.filter(unresolved).height))
    keep = ~unresolved
    if period.start is not None:
        before = _c("first_resolved") < _lit(period.start)
        exclusions.append(Exclusion("first resolved before the period", base.filter(before).height))
        keep = keep & ~before
    if period.end is not None:
        after = _c("first_resolved") >= _lit(period.end)
        exclusions.append(Exclusion("first resolved after the period", base.filter(after).height))
        keep = keep & ~after
    chosen = base.filter(keep)
    population = Population(
        description="cases first resolved in the period",
        cases=chosen.height,
        exclusions=tuple(e for e in exclusions if e.cases),
    )
    return summary.restrict(chosen), population


def _lit(value: datetime) -> pl.Expr:
    return pl.lit(value, dtype=pl.Datetime("us", "UTC"))
