"""Business-time arithmetic: worked cases for DST, holidays and night shifts, and
hypothesis cases checked against two independent oracles."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baton.core.calendar import Calendar, add_business_time, business_time_between

H = 3600
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def calendar(
    zone: ZoneInfo,
    shifts: list[tuple[int, int]],
    days: range = range(5),
    holidays: frozenset[date] = frozenset(),
    name: str = "test",
) -> Calendar:
    weekly = tuple(tuple(shifts) if d in days else () for d in range(7))
    return Calendar(name, zone, weekly, lambda year: frozenset(h for h in holidays if h.year == year))


DAY_SHIFT = calendar(LONDON, [(9 * H, 17 * H)])
NIGHT_SHIFT = calendar(LONDON, [(22 * H, 30 * H)], days=range(7))  # 22:00-06:00 every night
ALWAYS = calendar(ZoneInfo("UTC"), [(0, 24 * H)], days=range(7))


def at(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[misc]


def test_a_day_shift_skips_evenings_and_the_weekend():
    friday_4pm = at(LONDON, 2026, 11, 20, 16)
    assert add_business_time(friday_4pm, timedelta(hours=2), DAY_SHIFT) == at(LONDON, 2026, 11, 23, 10)
    assert business_time_between(friday_4pm, at(LONDON, 2026, 11, 23, 10), DAY_SHIFT) == timedelta(hours=2)


def test_a_deadline_landing_on_closing_time_is_that_closing_time():
    assert add_business_time(at(LONDON, 2026, 11, 23, 9), timedelta(hours=8), DAY_SHIFT) == at(LONDON, 2026, 11, 23, 17)


def test_starting_outside_hours_counts_from_the_next_opening():
    assert add_business_time(at(LONDON, 2026, 11, 21, 12), timedelta(minutes=30), DAY_SHIFT) == at(
        LONDON, 2026, 11, 23, 9, 30
    )


def test_a_holiday_has_no_business_time():
    christmas = calendar(LONDON, [(9 * H, 17 * H)], holidays=frozenset({date(2026, 12, 25)}))
    thursday_4pm = at(LONDON, 2026, 12, 24, 16)
    assert add_business_time(thursday_4pm, timedelta(hours=2), christmas) == at(LONDON, 2026, 12, 28, 10)


def test_a_night_shift_shortened_by_spring_forward_counts_seven_real_hours():
    # Europe/London springs forward at 01:00 on 2026-03-29.
    night = business_time_between(at(LONDON, 2026, 3, 28, 22), at(LONDON, 2026, 3, 29, 6), NIGHT_SHIFT)
    assert night == timedelta(hours=7)


def test_a_night_shift_lengthened_by_fall_back_counts_nine_real_hours():
    # Europe/London falls back at 02:00 on 2026-10-25.
    night = business_time_between(at(LONDON, 2026, 10, 24, 22), at(LONDON, 2026, 10, 25, 6), NIGHT_SHIFT)
    assert night == timedelta(hours=9)
    deadline = add_business_time(at(LONDON, 2026, 10, 24, 22), timedelta(hours=9), NIGHT_SHIFT)
    assert deadline == at(LONDON, 2026, 10, 25, 6)


def test_a_night_shift_already_running_counts_from_now():
    # 03:00 on a Tuesday is inside Monday's 22:00-06:00 shift.
    assert add_business_time(at(LONDON, 2026, 11, 24, 3), timedelta(hours=2), NIGHT_SHIFT) == at(
        LONDON, 2026, 11, 24, 5
    )


def test_a_holiday_drops_the_night_shift_that_starts_on_it_only():
    holiday = calendar(LONDON, [(22 * H, 30 * H)], days=range(7), holidays=frozenset({date(2026, 12, 25)}))
    # The shift starting on the 24th runs into the 25th and counts; the one starting on the 25th does not.
    assert business_time_between(at(LONDON, 2026, 12, 24, 12), at(LONDON, 2026, 12, 26, 12), holiday) == (
        timedelta(hours=8)
    )


def test_day_shift_hours_across_the_us_dst_change_are_real_hours():
    # America/New_York springs forward at 02:00 on 2026-03-08 (a Sunday); Friday 9-17 then Monday 9-17.
    ny = calendar(NEW_YORK, [(9 * H, 17 * H)])
    assert business_time_between(at(NEW_YORK, 2026, 3, 6, 9), at(NEW_YORK, 2026, 3, 9, 17), ny) == timedelta(hours=16)


def test_always_open_is_plain_elapsed_time():
    a = datetime(2026, 3, 28, 10, 17, 3, tzinfo=UTC)
    assert add_business_time(a, timedelta(hours=50, seconds=7), ALWAYS) == a + timedelta(hours=50, seconds=7)


def test_between_is_negative_when_the_end_comes_first():
    a, b = at(LONDON, 2026, 11, 23, 10), at(LONDON, 2026, 11, 23, 12)
    assert business_time_between(b, a, DAY_SHIFT) == -timedelta(hours=2)


def test_naive_times_and_negative_durations_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_business_time(datetime(2026, 1, 1), timedelta(hours=1), DAY_SHIFT)  # noqa: DTZ001
    with pytest.raises(ValueError, match="negative"):
        add_business_time(at(LONDON, 2026, 1, 1), timedelta(hours=-1), DAY_SHIFT)


def test_a_calendar_without_working_hours_is_refused():
    with pytest.raises(ValueError, match="no working hours"):
        Calendar("empty", LONDON, ((),) * 7)


# --- oracle: a walk in 15-minute steps, deciding each step by wall-clock membership ---

STEP = timedelta(minutes=15)


def _open_at(cal: Calendar, instant: datetime) -> bool:
    """Is ``instant`` inside a shift? Decided on the local wall clock, independently
    of how the implementation turns shifts into real windows."""
    local = instant.astimezone(cal.zone)
    seconds = local.hour * H + local.minute * 60 + local.second
    for start_day, offset in ((local.date(), 0), (local.date() - timedelta(days=1), 24 * H)):
        if cal.is_holiday(start_day):
            continue
        if any(start <= seconds + offset < end for start, end in cal.weekly[start_day.weekday()]):
            return True
    return False


def oracle_between(cal: Calendar, a: datetime, b: datetime) -> timedelta:
    total, t = timedelta(0), a
    while t < b:
        if _open_at(cal, t):
            total += STEP
        t += STEP
    return total


def oracle_add(cal: Calendar, start: datetime, duration: timedelta) -> datetime:
    t, left = start, duration
    while left > timedelta(0):
        if _open_at(cal, t):
            left -= STEP
        t += STEP
    return t


ZONES = ["Europe/London", "America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "UTC"]
QUARTERS = st.integers(0, 95).map(lambda q: q * 900)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    weekly = []
    for _ in range(7):
        shifts = []
        for _ in range(draw(st.integers(0, 2))):
            start = draw(QUARTERS)
            length = draw(st.integers(1, 48)) * 900  # up to 12 h, overnight allowed
            shifts.append((start, start + length))
        weekly.append(tuple(sorted(shifts)))
    if not any(weekly):
        weekly[0] = ((9 * H, 17 * H),)
    year = 2026
    holidays = frozenset(draw(st.lists(st.dates(date(year, 1, 1), date(year, 12, 31)), max_size=30)))
    return Calendar("generated", zone, tuple(weekly), lambda y: holidays if y == year else frozenset())


# DST weeks in 2026 for the zones above, so the generated instants cross transitions often.
AROUND = [
    date(2026, 3, 7),
    date(2026, 3, 27),
    date(2026, 4, 3),
    date(2026, 10, 23),
    date(2026, 10, 31),
    date(2026, 12, 23),
    date(2026, 6, 15),
]


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    day = draw(st.sampled_from(AROUND)) + timedelta(days=draw(st.integers(0, 6)))
    return datetime.combine(day, time(0), UTC) + timedelta(seconds=draw(QUARTERS))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(cal=calendars(), a=instants(), span=st.integers(0, 4 * 96))
def test_business_time_between_equals_the_wall_clock_walk(cal, a, span):
    b = a + span * STEP
    assert business_time_between(a, b, cal) == oracle_between(cal, a, b)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(cal=calendars(), start=instants(), quarters=st.integers(0, 2 * 96))
def test_add_business_time_equals_the_wall_clock_walk(cal, start, quarters):
    duration = quarters * STEP
    assert add_business_time(start, duration, cal) == oracle_add(cal, start, duration)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(cal=calendars(), start=instants(), d1=st.integers(0, 3 * 96), d2=st.integers(0, 3 * 96))
def test_adding_is_monotonic_additive_and_inverted_by_between(cal, start, d1, d2):
    first = add_business_time(start, d1 * STEP, cal)
    both = add_business_time(first, d2 * STEP, cal)
    assert first <= both
    assert both == add_business_time(start, (d1 + d2) * STEP, cal)
    assert business_time_between(start, both, cal) == (d1 + d2) * STEP


# --- oracle: businesstimedelta, which agrees with us on day shifts (not on night shifts) ---


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    start=instants(),
    opens=st.integers(6 * 4, 11 * 4),
    hours=st.integers(4 * 4, 10 * 4),
    minutes=st.integers(0, 5 * 24 * 60),
)
def test_day_shifts_agree_with_businesstimedelta(start, opens, hours, minutes):
    import businesstimedelta
    import holidays as holiday_data
    import pytz

    us = holiday_data.country_holidays("US", years=2026)
    open_s, close_s = opens * 900, opens * 900 + hours * 900
    ours = Calendar(
        "us",
        NEW_YORK,
        tuple(((open_s, close_s),) if d < 5 else () for d in range(7)),
        lambda year: frozenset(us) if year == 2026 else frozenset(),
    )
    rule = businesstimedelta.WorkDayRule(
        start_time=time(open_s // H, open_s % H // 60),
        end_time=time(close_s // H, close_s % H // 60),
        working_days=[0, 1, 2, 3, 4],
        tz=pytz.timezone("America/New_York"),
    )
    theirs = businesstimedelta.Rules([rule, businesstimedelta.HolidayRule(us, tz=pytz.timezone("America/New_York"))])
    end = start + timedelta(minutes=minutes)
    expected = theirs.difference(start, end).timedelta
    assert business_time_between(start, end, ours) == expected
