"""The anomaly tests run over every whole week of a history, as if a report had
been made each week: how many (segment, week) pairs each test could judge and
how many it flagged. On a history with no known incidents every flag counts as
a false alarm, so the share flagged is an upper bound on the false-alarm rate;
for a stable process it should be near the tests' level (0.1 %)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from baton.analytics.cases import summarise
from baton.analytics.frame import EventLog
from baton.analytics.results import Period
from baton.analytics.scope import select_population
from baton.reports.anomaly import DEFAULT, Settings, WeekCount, examine
from baton.reports.segments import SEGMENTS, Measure, Tally, counted, measure_for, weekly_counts
from baton.reports.watch import history_weeks, week_count
from baton.reports.weeks import IsoWeek


@dataclass(frozen=True)
class Alarm:
    week: str
    dimension: str
    segment: str
    test: str
    observed: float
    usual: float
    p_value: float


@dataclass(frozen=True)
class Calibration:
    source: str
    measure: Measure
    settings: Settings
    weeks: tuple[str, ...]
    """The whole weeks tested, oldest first."""
    tested: Counter[str]
    """Per test (and per ``test/dimension``): (segment, week) pairs judged."""
    flagged: Counter[str]
    pairs_tested: int
    """(segment, week) pairs at least one test judged."""
    pairs_flagged: int
    """(segment, week) pairs either test flagged."""
    alarms: tuple[Alarm, ...]

    def share(self, key: str) -> float | None:
        return self.flagged[key] / self.tested[key] if self.tested[key] else None

    def to_dict(self) -> dict[str, Any]:
        keys = sorted(self.tested)
        return {
            "source": self.source,
            "measure": self.measure.to_dict(),
            "settings": self.settings.to_dict(),
            "weeks": {
                "first": self.weeks[0] if self.weeks else None,
                "last": self.weeks[-1] if self.weeks else None,
                "count": len(self.weeks),
            },
            "tests": {k: {"tested": self.tested[k], "flagged": self.flagged[k], "share": self.share(k)} for k in keys},
            "pairs": {
                "tested": self.pairs_tested,
                "flagged": self.pairs_flagged,
                "share": self.pairs_flagged / self.pairs_tested if self.pairs_tested else None,
            },
            "alarms": [a.__dict__ for a in self.alarms],
        }

    def lines(self) -> list[str]:
        first, last = (self.weeks[0], self.weeks[-1]) if self.weeks else ("-", "-")
        out = [
            f"Anomaly tests over {len(self.weeks)} whole weeks of {self.source} ({first} to {last}), "
            f"counting {self.measure.noun}, flagged at p < {self.settings.alpha:g}:"
        ]
        for key in sorted(self.tested):
            share = self.share(key)
            shown = "-" if share is None else f"{100 * share:.2f} %"
            out.append(f"  {key:28} {self.flagged[key]:>5} flagged of {self.tested[key]:>6} judged: {shown}")
        if self.pairs_tested:
            share = 100 * self.pairs_flagged / self.pairs_tested
            pairs = f"{self.pairs_flagged} of {self.pairs_tested} ({share:.2f} %)"
            out.append(f"  (segment, week) pairs flagged by either test: {pairs}")
        return out


def _whole_weeks(first: datetime, last: datetime) -> list[IsoWeek]:
    weeks, week = [], IsoWeek.of(first.date())
    while week.end <= last:
        if week.start >= first:
            weeks.append(week)
        week = week.shift(1)
    return weeks


def calibrate(log: EventLog, settings: Settings = DEFAULT) -> Calibration:
    """Every whole week of ``log`` tested against the weeks before it, per segment."""
    measure = measure_for(log)
    if measure is None:
        raise ValueError(f"{log.source} records no tiers, escalations or teams: there is nothing to count")
    summary = summarise(log)
    chosen, _ = select_population(summary, log, Period(None, None))
    cases = counted(chosen.cases, measure)
    times = log.frame.get_column("ts")
    first, last = times.min(), times.max()
    weeks = _whole_weeks(first, last) if isinstance(first, datetime) and isinstance(last, datetime) else []
    tested: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    pairs_tested = pairs_flagged = 0
    alarms: list[Alarm] = []
    for dimension, capability, _ in SEGMENTS:
        if not log.has(capability):
            continue
        counts = weekly_counts(cases, dimension)
        for week in weeks:
            before = history_weeks(week, first if isinstance(first, datetime) else None, settings)
            for segment in sorted(k for k in counts if k is not None):
                tally = counts[segment]
                now = tally.get(week.start, Tally(0, 0))
                history = [week_count(w, tally) for w in before]
                verdicts = examine(WeekCount(week.label, now.hits, now.cases), history, settings)
                judged = [v for v in verdicts if v.unavailable is None]
                if not judged:
                    continue
                pairs_tested += 1
                pairs_flagged += any(v.flagged for v in judged)
                for v in judged:
                    for key in (v.test.value, f"{v.test.value}/{dimension.value}"):
                        tested[key] += 1
                        flagged[key] += v.flagged
                    if v.flagged:
                        usual, p = v.usual or 0.0, v.p_value or 0.0
                        alarms.append(Alarm(week.label, dimension.value, segment, v.test.value, v.observed, usual, p))
    return Calibration(
        log.source,
        measure,
        settings,
        tuple(w.label for w in weeks),
        tested,
        flagged,
        pairs_tested,
        pairs_flagged,
        tuple(alarms),
    )
