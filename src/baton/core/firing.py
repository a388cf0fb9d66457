"""Which trigger rules fire, and when: pure evaluation of compiled rules against a
ticket, the events just recorded and ``now``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from baton.core import events as ev
from baton.core.calendar import Calendar, add_business_time
from baton.core.rules import EventTrigger, NoProgressTrigger, Rule, SlaTrigger, fields_of, matches_trigger
from baton.core.ticket import Ticket


@dataclass(frozen=True)
class Firing:
    rule: Rule
    occurrence: str
    inputs: dict[str, Any]
    event: ev.Event | None = None
    """The event it fired on (None for a no-progress rule)."""

    def still_holds(self, ticket: Ticket) -> bool:
        """Whether the condition still holds once earlier firings of the round have acted."""
        return self.rule.test(facts(ticket, self.event))

    def recorded(self) -> ev.RuleFired:
        return ev.RuleFired(
            rule=self.rule.name,
            occurrence=self.occurrence,
            trigger=self.rule.when.describe(),
            inputs=self.inputs,
            actions=[a.describe() for a in self.rule.then],
        )


def facts(ticket: Ticket, event: ev.Event | None = None) -> dict[str, Any]:
    """Everything a condition may read, for ``ticket`` as it stands after ``event``."""
    scores = ticket.sentiments
    earlier = scores[:-1]
    return {
        "severity": ticket.severity,
        "category": ticket.category,
        "customer_tier": ticket.customer_tier,
        "status": ticket.status.value,
        "channel": ticket.channel,
        "responsible_role": ticket.ownership.responsible_role,
        "subject": ticket.subject,
        "text": f"{ticket.subject}\n{ticket.body}\n{ticket.last_customer_message}",
        "message": event.body if isinstance(event, ev.MessageAdded) else "",
        "escalation_level": ticket.escalation_level,
        "failed_attempts": ticket.reopen_count,
        "negative_messages": ticket.negative_messages,
        "sentiment": scores[-1] if scores else 0.0,
        "sentiment_trend": scores[-1] - sum(earlier) / len(earlier) if earlier else 0.0,
        "escalations": len(ticket.escalations),
        "reopen_count": ticket.reopen_count,
    }


def _inputs(rule: Rule, known: Mapping[str, Any]) -> dict[str, Any]:
    shown = {}
    for name in sorted(fields_of(rule.condition)):
        value = known[name]
        shown[name] = value[:200] if isinstance(value, str) else value
    return shown


def _occurrence(rule: Rule, seq: int, event: ev.Event) -> str | None:
    """The occurrence ``event`` is for ``rule``'s trigger, or None if it is not one."""
    match rule.when, event:
        case EventTrigger(event=name), _ if matches_trigger(name, event):
            return f"event:{seq}"
        case SlaTrigger(target=target, percent=percent), ev.SlaThresholdReached() if (
            event.target == target and event.percent == percent
        ):
            return f"sla:{target}:{event.cycle}:{percent}"
        case SlaTrigger(target=target, percent=100), ev.SlaBreached() if event.target == target:
            return f"sla:{target}:{event.cycle}:100"
    return None


def no_progress_due(rule: Rule, ticket: Ticket, calendars: Mapping[str, Calendar]) -> datetime | None:
    """When ``rule`` (a no-progress rule) falls due on ``ticket``, unless already fired."""
    when = rule.when
    if not isinstance(when, NoProgressTrigger) or ticket.last_progress_at is None:
        return None
    if not ticket.status.is_active or ticket.status.value == "pending_customer":
        return None
    if f"{rule.name}:{_progress_key(ticket)}" in ticket.fired:
        return None
    return add_business_time(ticket.last_progress_at, timedelta(seconds=when.seconds), calendars[when.calendar])


def _progress_key(ticket: Ticket) -> str:
    assert ticket.last_progress_at is not None
    return f"stalled:{ticket.last_progress_at.isoformat()}"


def due_firings(
    rules: Sequence[Rule],
    ticket: Ticket,
    happened: Sequence[tuple[int, ev.Event]],
    now: datetime,
    calendars: Mapping[str, Calendar],
    include_time: bool = True,
) -> list[Firing]:
    """The rules that fire now: on the events just recorded (with their sequence
    numbers), and, with ``include_time``, the no-progress rules already due. A rule
    fires at most once per occurrence."""
    firings: list[Firing] = []
    fired = set(ticket.fired)
    known: dict[str, Any] | None = None
    for seq, event in happened:
        event_facts: dict[str, Any] | None = None
        for rule in rules:
            occurrence = _occurrence(rule, seq, event)
            if occurrence is None or f"{rule.name}:{occurrence}" in fired:
                continue
            event_facts = event_facts or facts(ticket, event)
            if rule.test(event_facts):
                fired.add(f"{rule.name}:{occurrence}")
                firings.append(Firing(rule, occurrence, _inputs(rule, event_facts), event))
    if include_time:
        for rule in rules:
            due = no_progress_due(rule, ticket, calendars)
            if due is None or due > now:
                continue
            known = known or facts(ticket)
            if rule.test(known):
                firings.append(Firing(rule, _progress_key(ticket), _inputs(rule, known)))
    return firings


def next_rule_due(
    rules: Sequence[Rule], ticket: Ticket, now: datetime, calendars: Mapping[str, Calendar]
) -> datetime | None:
    """The next no-progress rule to fall due after ``now``. One already due either fired
    just now or its condition did not hold; a later command looks at it again."""
    dues = [d for rule in rules if (d := no_progress_due(rule, ticket, calendars)) is not None and d > now]
    return min(dues, default=None)
