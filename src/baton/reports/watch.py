"""The anomaly tests of one week, run per segment: each category, customer tier and
severity the source records, against the same segment's previous weeks."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from baton.analytics.frame import EventLog
from baton.analytics.report import DIMENSION_COLUMN
from baton.reports.anomaly import DEFAULT, Settings, Test, Verdict, WeekCount, examine
from baton.reports.model import Finding, Watch, hours
from baton.reports.segments import SEGMENTS, Measure, Tally, weekly_counts
from baton.reports.weeks import IsoWeek

_c = pl.col
POPULATION = "cases first resolved in each week (UTC), by their last known category, customer tier and severity"


def _amount(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}".removesuffix(".0")


def _share(value: float) -> str:
    return f"{100 * value:.0f} %"


def message(measure: Measure, phrase: str, verdict: Verdict, hits: int, cases: int, support: float | None) -> str:
    """``47 escalations about data-export this week, usual 9, costing 31 support hours (...)``."""
    cost = f", costing {support:,.0f} support hours" if support is not None else ""
    test = f"{verdict.test.value} test: p = {verdict.p_value:.1g} < {verdict.alpha:g}"
    usual = verdict.usual or 0.0
    if verdict.test is Test.VOLUME:
        noun = measure.noun if hits != 1 else measure.noun.removesuffix("s").replace("cases", "case")
        return f"{hits} {noun} {phrase} this week, usual {_amount(usual)}{cost} ({test})"
    return (
        f"{_share(hits / cases)} of cases {phrase} {measure.key} this week ({hits} of {cases}), "
        f"usual {_share(usual)}{cost} ({test})"
    )


def history_weeks(week: IsoWeek, first_event: datetime | None, settings: Settings = DEFAULT) -> tuple[IsoWeek, ...]:
    """The previous weeks that lie wholly inside the history (from its first event)."""
    if first_event is None:
        return ()
    return tuple(w for w in week.previous(settings.history_weeks) if w.start >= first_event)


def watch(
    cases: pl.DataFrame,
    log: EventLog,
    measure: Measure | None,
    week: IsoWeek,
    first_event: datetime | None,
    settings: Settings = DEFAULT,
) -> Watch:
    """``cases``: the counted cases of the week and the weeks before it (``week``,
    ``hit``, ``known``, ``support_seconds`` and the segment columns)."""
    if measure is None:
        why = f"{log.source} records no tiers, escalations or teams: nothing to count"
        return Watch(settings, None, POPULATION, notes=(why,))
    before = history_weeks(week, first_event, settings)
    has_support = "support_seconds" in cases.columns
    flags: list[Finding] = []
    unavailable: list[tuple[str, str, str, str]] = []
    notes: list[str] = []
    checked = 0
    for dimension, capability, phrase in SEGMENTS:
        if not log.has(capability):
            notes.append(f"{log.source} records no {dimension.value.replace('_', ' ')}: not looked at")
            continue
        counts = weekly_counts(cases, dimension)
        column = cases.get_column(DIMENSION_COLUMN[dimension])
        for segment in sorted(k for k in counts if k is not None):
            tally = counts[segment]
            now = tally.get(week.start, Tally(0, 0))
            this = WeekCount(week.label, now.hits, now.cases)
            history = [week_count(w, tally) for w in before]
            for verdict in examine(this, history, settings):
                if verdict.unavailable:
                    unavailable.append((dimension.value, segment, verdict.test.value, verdict.unavailable))
                    continue
                checked += 1
                if not verdict.flagged:
                    continue
                support = None
                if has_support:
                    mine = (column == segment) & (cases.get_column("week") == week.start) & cases.get_column("hit")
                    support = hours(float(cases.filter(mine).get_column("support_seconds").sum()))
                flags.append(
                    Finding(
                        week=week.label,
                        dimension=dimension.value,
                        segment=segment,
                        verdict=verdict,
                        history=tuple((w.week, w.hits, w.cases) for w in history),
                        hits=now.hits,
                        cases=now.cases,
                        support_hours=support,
                        message=message(measure, phrase.format(segment), verdict, now.hits, now.cases, support),
                    )
                )
    if len(before) < settings.min_weeks:
        notes.append(
            f"only {len(before)} of the previous {settings.history_weeks} weeks lie inside the history: "
            f"the tests need {settings.min_weeks}"
        )
    flags.sort(key=lambda f: (f.verdict.p_value or 0.0, f.dimension, f.segment))
    return Watch(settings, measure, POPULATION, tuple(flags), checked, tuple(unavailable), (*measure.notes, *notes))


def week_count(week: IsoWeek, tallies: dict[datetime, Tally]) -> WeekCount:
    """A segment's count of ``week`` (zero when it had no case that week)."""
    tally = tallies.get(week.start, Tally(0, 0))
    return WeekCount(week.label, tally.hits, tally.cases)
