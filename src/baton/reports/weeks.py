"""ISO weeks in UTC: ``2026-W46`` is Monday 2026-11-09 00:00 UTC to the next
Monday, the same weeks the metrics slice by (``Granularity.WEEK``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from baton.analytics.results import Period

_PATTERN = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)
WEEK = timedelta(days=7)


class WeekError(ValueError):
    """A week that is not written as an ISO week."""


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError:
            raise WeekError(f"{self.year} has no ISO week {self.week}") from None

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``2026-W46`` (also ``2026W46``)."""
        match = _PATTERN.match(text.strip())
        if match is None:
            raise WeekError(f"a week is written as an ISO week like 2026-W46, not {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def last_full_before(cls, today: date) -> IsoWeek:
        """The last whole ISO week before ``today``: the week before today's week."""
        return cls.of(today - WEEK)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, datetime.min.time(), UTC)

    @property
    def end(self) -> datetime:
        return self.start + WEEK

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    @property
    def days(self) -> str:
        """``9-15 Nov 2026`` style, for headings."""
        first, last = self.monday, self.monday + timedelta(days=6)
        if first.month == last.month:
            return f"{first.day}-{last.day} {last:%b %Y}"
        if first.year == last.year:
            return f"{first.day} {first:%b} - {last.day} {last:%b %Y}"
        return f"{first.day} {first:%b %Y} - {last.day} {last:%b %Y}"

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday + weeks * WEEK)

    def previous(self, count: int) -> tuple[IsoWeek, ...]:
        """The ``count`` weeks before this one, oldest first."""
        return tuple(self.shift(-n) for n in range(count, 0, -1))
