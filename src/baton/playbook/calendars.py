"""Parsing calendars and durations from the playbook's words into core values."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_data

from baton.core.calendar import DAY, Calendar, Shift

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DURATION = re.compile(r"^\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$")


def _day(word: str) -> int:
    word = word.strip().lower()
    if word in WEEKDAYS:
        return WEEKDAYS.index(word)
    if word in _FULL:
        return _FULL.index(word)
    raise ValueError(f"unknown weekday {word!r}; use mon..sun")


def weekdays(key: str) -> list[int]:
    """'mon-fri' -> [0..4]; 'sat' -> [5]; 'daily' -> all seven."""
    key = key.strip().lower()
    if key in ("daily", "every day", "mon-sun"):
        return list(range(7))
    if "-" in key:
        first, last = (_day(part) for part in key.split("-", 1))
        if last < first:
            raise ValueError(f"weekday range {key!r} runs backwards")
        return list(range(first, last + 1))
    return [_day(key)]


def shift(text: str) -> Shift:
    """'08:00-18:00' -> seconds; '22:00-06:00' runs overnight; '00:00-24:00' is the whole day."""
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a range like 08:00-18:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f"{text!r} is not a valid time range")
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if end == start:
        raise ValueError(f"{text!r} is empty; use 00:00-24:00 for a whole day")
    return (start, end if end > start else end + DAY)


def duration(text: str) -> int:
    """'1h30m' -> 5400 seconds. Refuses zero."""
    match = _DURATION.match(str(text))
    if not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration like 30m, 2h or 1h30m")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return total


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def holiday_source(
    country: str | None, subdivision: str | None, extra: Sequence[date]
) -> Callable[[int], frozenset[date]]:
    """Public holidays per year from the ``holidays`` package, plus explicit dates."""
    if country is not None:
        try:
            holiday_data.country_holidays(country, subdiv=subdivision, years=2026)
        except NotImplementedError:
            where = f"{country}/{subdivision}" if subdivision else country
            raise ValueError(f"unknown holiday country or subdivision {where!r}") from None
    extra_dates = frozenset(extra)

    @cache
    def for_year(year: int) -> frozenset[date]:
        found = {d for d in extra_dates if d.year == year}
        if country is not None:
            found |= set(holiday_data.country_holidays(country, subdiv=subdivision, years=year))
        return frozenset(found)

    return for_year


def make_calendar(
    name: str,
    time_zone: str,
    hours: dict[str, list[str]],
    country: str | None,
    subdivision: str | None,
    extra: Sequence[date],
) -> Calendar:
    weekly: list[list[Shift]] = [[] for _ in range(7)]
    for key, ranges in hours.items():
        for day in weekdays(key):
            weekly[day] += [shift(r) for r in ranges]
    return Calendar(
        name=name,
        zone=zone(time_zone),
        weekly=tuple(tuple(sorted(day)) for day in weekly),
        holidays=holiday_source(country, subdivision, extra),
    )
