"""Business-time arithmetic: calls per second for Baton's calendar, businesstimedelta
and pandas CustomBusinessHour on the same inputs (a 09:00-17:00 Monday-Friday
calendar in New York with US public holidays; the peers are exact only on such
day shifts)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from zoneinfo import ZoneInfo

import businesstimedelta
import holidays
import pandas as pd
import pytz

from baton.core.calendar import Calendar, add_business_time, business_time_between, windows_on

CALLS = 20_000
ZONE = "America/New_York"


def _inputs(count: int) -> list[tuple[datetime, datetime, int]]:
    rng = random.Random(42)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for _ in range(count):
        a = start + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        b = a + timedelta(minutes=rng.randrange(0, 10 * 24 * 60))
        out.append((a, b, rng.randrange(1, 40)))
    return out


def _rate(fn: Callable[[], None], calls: int) -> float:
    began = time.perf_counter()
    fn()
    return calls / (time.perf_counter() - began)


def main() -> None:
    us = holidays.country_holidays("US", years=range(2025, 2028))
    ours = Calendar(
        "ny", ZoneInfo(ZONE), tuple(((9 * 3600, 17 * 3600),) if d < 5 else () for d in range(7)),
        lambda year: frozenset(d for d in us if d.year == year),
    )  # fmt: skip
    tz = pytz.timezone(ZONE)
    rules = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(
                start_time=dt_time(9),
                end_time=dt_time(17),
                working_days=[0, 1, 2, 3, 4],
                tz=tz,
            ),
            businesstimedelta.HolidayRule(us, tz=tz),
        ]
    )
    hour = pd.offsets.CustomBusinessHour(start="09:00", end="17:00", holidays=sorted(us))
    inputs = _inputs(CALLS)
    agree = sum(business_time_between(a, b, ours) == rules.difference(a, b).timedelta for a, b, _ in inputs[:2000])

    def ours_between() -> None:
        for a, b, _ in inputs:
            business_time_between(a, b, ours)

    def ours_add() -> None:
        for a, _, h in inputs:
            add_business_time(a, timedelta(hours=h), ours)

    def btd_between() -> None:
        for a, b, _ in inputs:
            rules.difference(a, b)

    def btd_add() -> None:
        for a, _, h in inputs:
            a + businesstimedelta.BusinessTimeDelta(rules, hours=h)

    local = [(pd.Timestamp(a).tz_convert(ZONE).tz_localize(None), h) for a, _, h in inputs]

    def pandas_add() -> None:
        for ts, h in local:
            ts + hour * h

    windows_on.cache_clear()
    results = {
        "between": {
            "baton": _rate(ours_between, CALLS),
            "businesstimedelta": _rate(btd_between, CALLS),
        },
        "add": {
            "baton": _rate(ours_add, CALLS),
            "businesstimedelta": _rate(btd_add, CALLS),
            "pandas CustomBusinessHour": _rate(pandas_add, CALLS),
        },
    }
    print(f"\n## Business-time arithmetic ({CALLS:,} calls each, 9-17 Mon-Fri {ZONE}, US holidays)")
    print(f"agreement with businesstimedelta on 'between': {agree}/2000 identical")
    for operation, rates in results.items():
        fastest_peer = max(v for k, v in rates.items() if k != "baton")
        print(f"\n{operation}:")
        for name, rate in rates.items():
            print(f"  {name:28s} {rate:12,.0f} calls/s")
        print(f"  baton / fastest peer: {rates['baton'] / fastest_peer:.1f}x")
