"""SLA clocks: which run, when they pause, resume, stop or re-target, and when a
threshold or the breach is reached. Pure: ``now`` and the playbook come in,
events go out; :func:`apply` folds them into the ticket's clocks.

- ``first_response`` runs from opening to the first public reply by an agent.
- ``update`` (the customer-update cadence) starts at the first public reply and
  restarts, as a new cycle, at every public reply after it.
- ``resolution`` runs from opening to resolution, and on again after a reopen:
  resolution time is summed over open periods.
- Every running clock pauses while the ticket waits on the customer.
- A severity or customer-tier change re-targets the clocks still running, keeping
  the business time already spent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from baton.core import events as ev
from baton.core.calendar import Calendar, add_business_time, business_time_between
from baton.core.playbook import Playbook, SlaPolicy

BREACH = 100
TOLERANCE = 0.001
"""Seconds: a timer set for a threshold counts it reached despite microsecond rounding."""


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class SlaClock:
    target: str
    policy: str
    calendar: str
    target_seconds: int
    thresholds: tuple[int, ...]
    cycle: int = 1
    spent: float = 0.0
    """Business seconds banked up to ``since`` (or up to the pause)."""
    since: datetime | None = None
    """When the clock last started running; None while paused or stopped."""
    reached: tuple[int, ...] = ()
    """Thresholds already recorded, 100 being the breach."""
    stopped: bool = False

    @property
    def breached(self) -> bool:
        return BREACH in self.reached

    @property
    def state(self) -> ClockState:
        if self.breached:
            return ClockState.BREACHED
        if self.stopped:
            return ClockState.MET
        return ClockState.RUNNING if self.since is not None else ClockState.PAUSED

    def elapsed(self, now: datetime, calendars: Mapping[str, Calendar]) -> float:
        if self.since is None:
            return self.spent
        return self.spent + business_time_between(self.since, now, calendars[self.calendar]).total_seconds()


def _policy(playbook: Playbook, severity: str, tier: str) -> SlaPolicy | None:
    return playbook.sla_policy(severity, tier) if playbook.sla_policies else None


def _start(policy: SlaPolicy, target: str, cycle: int = 1) -> list[ev.Event]:
    spec = policy.targets.get(target)
    if spec is None:
        return []
    return [ev.SlaClockStarted(target, policy.name, spec.calendar, spec.seconds, list(policy.warn_at), cycle)]


def thresholds_reached(clocks: Iterable[SlaClock], now: datetime, calendars: Mapping[str, Calendar]) -> list[ev.Event]:
    """Each warning threshold and breach passed by ``now`` and not yet recorded."""
    found: list[ev.Event] = []
    for clock in clocks:
        if clock.stopped:
            continue
        elapsed = clock.elapsed(now, calendars)
        remaining = clock.target_seconds - elapsed
        for percent in (*clock.thresholds, BREACH):
            if percent in clock.reached or elapsed + TOLERANCE < percent * clock.target_seconds / 100:
                continue
            if percent == BREACH:
                found.append(ev.SlaBreached(clock.target, clock.cycle, elapsed, remaining))
            else:
                found.append(ev.SlaThresholdReached(clock.target, percent, clock.cycle, elapsed, remaining))
    return found


def next_due(clocks: Iterable[SlaClock], calendars: Mapping[str, Calendar]) -> datetime | None:
    """When the earliest unrecorded threshold of a running clock falls due."""
    due: list[datetime] = []
    for clock in clocks:
        if clock.stopped or clock.since is None:
            continue
        pending = [p for p in (*clock.thresholds, BREACH) if p not in clock.reached]
        if not pending:
            continue
        needed = min(pending) * clock.target_seconds / 100 - clock.spent
        if needed <= 0:
            due.append(clock.since)
        else:
            due.append(add_business_time(clock.since, timedelta(seconds=needed), calendars[clock.calendar]))
    return min(due, default=None)


def apply(clocks: tuple[SlaClock, ...], event: ev.Event, at: datetime) -> tuple[SlaClock, ...]:
    """The clocks after ``event``; other events leave them as they are."""
    by_target = {c.target: c for c in clocks}
    match event:
        case ev.SlaClockStarted():
            by_target[event.target] = SlaClock(
                event.target,
                event.policy,
                event.calendar,
                event.target_seconds,
                tuple(event.thresholds),
                cycle=event.cycle,
                since=at,
            )
        case ev.SlaClockPaused(target=target, spent=spent):
            by_target[target] = replace(by_target[target], spent=spent, since=None)
        case ev.SlaClockResumed(target=target):
            by_target[target] = replace(by_target[target], since=at, stopped=False)
        case ev.SlaClockStopped(target=target, spent=spent):
            by_target[target] = replace(by_target[target], spent=spent, since=None, stopped=True)
        case ev.SlaClockRetargeted():
            clock = by_target[event.target]
            by_target[event.target] = replace(
                clock,
                policy=event.policy,
                calendar=event.calendar,
                target_seconds=event.target_seconds,
                thresholds=tuple(event.thresholds),
                spent=event.spent,
                since=at if clock.since is not None else None,
            )
        case ev.SlaThresholdReached(target=target, percent=percent):
            clock = by_target[target]
            by_target[target] = replace(clock, reached=(*clock.reached, percent))
        case ev.SlaBreached(target=target):
            clock = by_target[target]
            by_target[target] = replace(clock, reached=(*clock.reached, BREACH))
        case _:
            return clocks
    return tuple(by_target[t] for t in sorted(by_target, key=_ORDER.index))


_ORDER = ["first_response", "update", "resolution"]


def react(
    clocks: tuple[SlaClock, ...],
    severity: str,
    customer_tier: str,
    happened: Sequence[ev.Event],
    playbook: Playbook,
    now: datetime,
    active: bool = True,
) -> list[ev.Event]:
    """The clock events that follow from a command's events at ``now``.

    Thresholds passed before ``now`` are recorded first, so a late reply still
    leaves its breach in the trail before the clock stops. ``active`` says whether
    the ticket was open before these events (a reply after resolution starts no
    update cadence)."""
    calendars = playbook.calendars
    out = thresholds_reached(clocks, now, calendars)
    for event in out:
        clocks = apply(clocks, event, now)
    for happening in happened:
        following: list[ev.Event] = []
        match happening:
            case ev.TicketOpened():
                severity, customer_tier = happening.severity, happening.customer_tier
                policy = _policy(playbook, severity, customer_tier)
                if policy is not None:
                    following = _start(policy, "first_response") + _start(policy, "resolution")
            case ev.MessageAdded(author_kind="agent" | "system" as author, visibility="public") if active:
                policy = _policy(playbook, severity, customer_tier)
                following = _public_reply(clocks, policy, now, calendars, first=author == "agent")
            case ev.StatusChanged(status="pending_customer"):
                following = [
                    ev.SlaClockPaused(c.target, c.elapsed(now, calendars))
                    for c in clocks
                    if not c.stopped and c.since is not None
                ]
            case ev.StatusChanged(previous="pending_customer"):
                following = [ev.SlaClockResumed(c.target) for c in clocks if not c.stopped and c.since is None]
            case ev.TicketResolved() | ev.TicketClosed():
                active = False
                following = [
                    ev.SlaClockStopped(c.target, c.elapsed(now, calendars), met=not c.breached)
                    for c in clocks
                    if not c.stopped
                ]
            case ev.TicketReopened():
                active = True
                following = [ev.SlaClockResumed(c.target) for c in clocks if c.target == "resolution"]
            case ev.SeverityChanged() | ev.CustomerTierChanged():
                if isinstance(happening, ev.SeverityChanged):
                    severity = happening.severity
                else:
                    customer_tier = happening.customer_tier
                following = _retarget(clocks, _policy(playbook, severity, customer_tier), now, calendars)
        for event in following:
            clocks = apply(clocks, event, now)
        out += following
    return out


def _public_reply(
    clocks: tuple[SlaClock, ...],
    policy: SlaPolicy | None,
    now: datetime,
    calendars: Mapping[str, Calendar],
    first: bool,
) -> list[ev.Event]:
    """A public reply restarts the update cadence; only an agent's (not an automatic
    update's) meets the first response."""
    by_target = {c.target: c for c in clocks}
    out: list[ev.Event] = []
    response = by_target.get("first_response")
    if first and response is not None and not response.stopped:
        out.append(ev.SlaClockStopped("first_response", response.elapsed(now, calendars), met=not response.breached))
    update = by_target.get("update")
    if update is not None and not update.stopped:
        out.append(ev.SlaClockStopped("update", update.elapsed(now, calendars), met=not update.breached))
    if policy is not None:
        out += _start(policy, "update", cycle=update.cycle + 1 if update else 1)
    return out


def _retarget(
    clocks: tuple[SlaClock, ...], policy: SlaPolicy | None, now: datetime, calendars: Mapping[str, Calendar]
) -> list[ev.Event]:
    if policy is None:
        return []
    out: list[ev.Event] = []
    for clock in clocks:
        spec = policy.targets.get(clock.target)
        if clock.stopped or spec is None:
            continue
        if (policy.name, spec.seconds, spec.calendar) == (clock.policy, clock.target_seconds, clock.calendar):
            continue
        out.append(
            ev.SlaClockRetargeted(
                clock.target,
                policy.name,
                spec.calendar,
                spec.seconds,
                list(policy.warn_at),
                clock.elapsed(now, calendars),
            )
        )
    return out
