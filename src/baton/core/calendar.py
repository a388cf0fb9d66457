"""Business calendars and business-time arithmetic.

Business time is real elapsed seconds inside business windows. A window is a
range of wall-clock time in the calendar's zone (``22:00-06:00`` runs into the
next day); it becomes a pair of real instants, so a night shift shortened or
lengthened by a DST change counts its real length. A holiday drops every window
that *starts* on that local date.

Both functions are exact to the microsecond and take aware datetimes.
"""

from __future__ import annotations

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


def _instant(day: date, seconds: int, zone: ZoneInfo) -> datetime:
    """The real instant of wall-clock ``day`` + ``seconds`` in ``zone``."""
    local = datetime.combine(day, time(0)) + timedelta(seconds=seconds)
    return local.replace(tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=200_000)
def windows_on(calendar: Calendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The windows that start on local ``day``, as UTC instants, in order."""
    if calendar.is_holiday(day):
        return ()
    windows = []
    for start, end in calendar.weekly[day.weekday()]:
        begins, ends = _instant(day, start, calendar.zone), _instant(day, end, calendar.zone)
        if ends > begins:  # a shift wholly inside a DST gap has no real length
            windows.append((begins, ends))
    return tuple(windows)


def _windows_from(
    calendar: Calendar, at: datetime, days: int = SEARCH_DAYS
) -> Iterator[tuple[datetime, datetime]]:
    """Every window that may contain or follow ``at``, in order of start."""
    day = at.astimezone(calendar.zone).date() - timedelta(days=1)
    for offset in range(days + 2):
        yield from windows_on(calendar, day + timedelta(days=offset))


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
