"""ISO weeks in UTC, as the report names and chooses them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from baton.reports.weeks import IsoWeek, WeekError


def test_an_iso_week_runs_from_monday_to_the_next_monday_in_utc():
    week = IsoWeek.parse("2026-W46")

    assert week.start == datetime(2026, 11, 9, tzinfo=UTC)
    assert week.end == datetime(2026, 11, 16, tzinfo=UTC)
    assert week.period.start == week.start and week.period.end == week.end
    assert week.label == "2026-W46"
    assert week.days == "9-15 Nov 2026"


def test_weeks_across_months_and_years_read_plainly():
    assert IsoWeek.parse("2026-W44").days == "26 Oct - 1 Nov 2026"
    assert IsoWeek.parse("2026-W53").days == "28 Dec 2026 - 3 Jan 2027"
    assert IsoWeek.parse("2027-W01").shift(-1) == IsoWeek(2026, 53)


@pytest.mark.parametrize("text", ["2026-47", "W46", "2026-W5", "46", "", "2026-W46x"])
def test_a_week_not_written_as_an_iso_week_is_refused(text):
    with pytest.raises(WeekError, match="ISO week like 2026-W46"):
        IsoWeek.parse(text)


def test_a_week_the_year_does_not_have_is_refused():
    with pytest.raises(WeekError, match="2025 has no ISO week 53"):
        IsoWeek.parse("2025-W53")


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 23), "2026-W47"),  # a Monday: last week is over
        (date(2026, 11, 22), "2026-W46"),  # a Sunday: this week is not over yet
        (date(2026, 11, 18), "2026-W46"),
        (date(2027, 1, 4), "2026-W53"),
    ],
)
def test_the_default_week_is_the_last_full_week_before_today(today, expected):
    assert IsoWeek.last_full_before(today).label == expected


def test_previous_weeks_come_oldest_first():
    assert [w.label for w in IsoWeek.parse("2027-W02").previous(3)] == ["2026-W52", "2026-W53", "2027-W01"]
