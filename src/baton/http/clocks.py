"""An SLA clock as the API returns it and the ticket page shows it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from baton.core.calendar import Calendar, add_business_time
from baton.core.sla import SlaClock


class ClockPublic(BaseModel):
    target: str
    policy: str
    calendar: str
    cycle: int
    state: str
    target_seconds: int
    elapsed_seconds: float
    remaining_seconds: float
    thresholds: list[int]
    reached: list[int]
    deadline: datetime | None = Field(
        description="When the target falls due at the current pace; none while paused or stopped."
    )

    @classmethod
    def of(cls, clock: SlaClock, now: datetime, calendars: Mapping[str, Calendar]) -> ClockPublic:
        elapsed = clock.elapsed(now, calendars)
        deadline = None
        if clock.since is not None and not clock.stopped:
            left = max(clock.target_seconds - clock.spent, 0)
            deadline = add_business_time(clock.since, timedelta(seconds=left), calendars[clock.calendar])
        return cls(
            target=clock.target,
            policy=clock.policy,
            calendar=clock.calendar,
            cycle=clock.cycle,
            state=clock.state.value,
            target_seconds=clock.target_seconds,
            elapsed_seconds=round(elapsed, 3),
            remaining_seconds=round(clock.target_seconds - elapsed, 3),
            thresholds=list(clock.thresholds),
            reached=list(clock.reached),
            deadline=deadline,
        )
