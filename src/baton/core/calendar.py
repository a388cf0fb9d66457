"""Business calendars and business-time arithmetic.

Business time is real elapsed seconds inside business windows. A shift is a
range of wall-clock time in the calendar's zone (``22:00-06:00`` runs into the
next day); its windows are the real instants whose local time lies in it, so a
night shift shortened or lengthened by a DST change counts its real length (and
a wall-clock time skipped by spring-forward is reached at the transition). A
holiday drops every shift that *starts* on that local date.

Both functions are exact to the microsecond and take aware datetimes.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY = 86_400
SEARCH_DAYS = 3_660
"""How far ahead to look for working time before calling a calendar empty."""

Shift = tuple[int, int]
"""Seconds from local midnight: start, end; an end beyond 86,400 runs into the next day."""


def no_holidays(_year: int) -> frozenset[date]:
    return frozenset()


@dataclass(frozen=True)
class Calendar:
    name: str
    zone: ZoneInfo
    weekly: tuple[tuple[Shift, ...], ...]
    """Seven entries, Monday first: the shifts that start on that weekday."""
    holidays: Callable[[int], frozenset[date]] = no_holidays
    """The dates of one year on which no shift starts (cached by the caller)."""

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("a calendar needs shifts for seven weekdays (possibly empty)")
        for shifts in self.weekly:
            for start, end in shifts:
                if not 0 <= start < DAY or not start < end <= start + DAY:
                    raise ValueError(f"bad shift {start}-{end} in calendar {self.name!r}")
        if not any(self.weekly):
            raise ValueError(f"calendar {self.name!r} has no working hours")

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays(day.year)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime, not {value!r}")
    return value.astimezone(UTC)


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _transition(lo: datetime, hi: datetime, zone: ZoneInfo) -> datetime:
    """The first instant in (lo, hi] whose UTC offset differs from lo's."""
    before = _offset(lo, zone)
    low, high = 0, int((hi - lo).total_seconds())
    while low < high:
        mid = (low + high) // 2
        if _offset(lo + timedelta(seconds=mid), zone) == before:
            low = mid + 1
        else:
            high = mid
    return lo + timedelta(seconds=low)


def _shift_windows(day: date, shift: Shift, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The real instants whose local wall-clock time lies in the shift: one interval,
    or two when a DST change falls inside (a repeated hour can split it)."""
    midnight = datetime.combine(day, time(0), UTC)  # wall-clock arithmetic, read as naive
    start, end = midnight + timedelta(seconds=shift[0]), midnight + timedelta(seconds=shift[1])
    lo, hi = start - timedelta(days=1), end + timedelta(days=1)
    off_lo, off_hi = _offset(lo, zone), _offset(hi, zone)
    if off_lo == off_hi:
        return [(start - off_lo, end - off_lo)]
    at = _transition(lo, hi, zone)
    parts = [(start - off_lo, min(end - off_lo, at)), (max(start - off_hi, at), end - off_hi)]
    return [(a, b) for a, b in parts if b > a]


@lru_cache(maxsize=200_000)
def windows_on(calendar: Calendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The windows of the shifts that start on local ``day``, as UTC instants, in order."""
    if calendar.is_holiday(day):
        return ()
    windows: list[tuple[datetime, datetime]] = []
    for shift in calendar.weekly[day.weekday()]:
        windows += _shift_windows(day, shift, calendar.zone)
    return tuple(sorted(windows))


def _windows_from(calendar: Calendar, at: datetime, days: int = SEARCH_DAYS) -> Iterator[tuple[datetime, datetime]]:
    """Every window that may contain or follow ``at``, in order of start.

    Days are merged through a heap: a DST change can make a shift of one day
    begin before a shift of the day before ends, so days are not simply concatenated.
    A shift of local day ``d`` never begins before ``d`` 00:00 UTC minus a day."""
    day = at.astimezone(calendar.zone).date() - timedelta(days=1)
    last = day + timedelta(days=days + 2)
    pending: list[tuple[datetime, datetime]] = []
    while True:
        while day <= last and (not pending or datetime.combine(day, time(0), UTC) - timedelta(days=1) <= pending[0][0]):
            for window in windows_on(calendar, day):
                heapq.heappush(pending, window)
            day += timedelta(days=1)
        if not pending:
            return
        yield heapq.heappop(pending)


def add_business_time(start: datetime, duration: timedelta, calendar: Calendar) -> datetime:
    """The instant at which ``duration`` of business time after ``start`` has passed.

    A deadline that lands exactly on a closing time is that closing time."""
    cursor = _aware(start, "start")
    remaining = duration
    if remaining < timedelta(0):
        raise ValueError(f"duration must not be negative, not {duration}")
    if not remaining:
        return cursor
    for begins, ends in _windows_from(calendar, cursor):
        if ends <= cursor:
            continue
        begins = max(begins, cursor)
        span = ends - begins
        if remaining <= span:
            return begins + remaining
        remaining -= span
        cursor = ends
    raise ValueError(f"calendar {calendar.name!r} has no working time within {SEARCH_DAYS} days")


def business_time_between(a: datetime, b: datetime, calendar: Calendar) -> timedelta:
    """Business time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
    a, b = _aware(a, "a"), _aware(b, "b")
    if b < a:
        return -business_time_between(b, a, calendar)
    total = timedelta(0)
    cursor = a
    for begins, ends in _windows_from(calendar, a, (b - a).days + 2):
        if begins >= b:
            break
        if ends <= cursor:
            continue
        begins = max(begins, cursor)
        ends = min(ends, b)
        total += ends - begins
        cursor = ends
        if cursor >= b:
            break
    return total


def is_open(at: datetime, calendar: Calendar) -> bool:
    """Whether ``at`` falls inside one of the calendar's windows."""
    at = _aware(at, "at")
    day = at.astimezone(calendar.zone).date()
    return any(
        begins <= at < ends for offset in (-1, 0) for begins, ends in windows_on(calendar, day + timedelta(days=offset))
    )
