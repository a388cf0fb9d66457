"""Backtesting a playbook's trigger rules on recorded history, and the health of
rules that ran. Pure: histories (each ticket's recorded events, in order) come in,
per-rule figures go out; nothing is written anywhere.

Replay rebuilds each ticket event by event through the one pipeline
(:func:`baton.core.pipeline.handle`) and asks the new rules what they would have
done. Event rules see every recorded event; no-progress rules fire when their due
time falls before the next recorded event; SLA rules see the thresholds the history
recorded (under the SLA policies then running). By default actions are not run: what
the rules would have changed is not fed back into the history (``act=True`` does)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.pipeline import SYSTEM, Context, handle
from baton.core.playbook import Playbook
from baton.core.rules import EscalateTo
from baton.core.ticket import Ticket

History = Sequence[ev.RecordedEvent]


@dataclass
class RuleBacktest:
    rule: str
    meaning: str
    escalates: bool
    tickets: int = 0
    """Tickets on which the rule would have fired."""
    escalated_by_hand_later: int = 0
    """Of those, tickets an agent escalated by hand after the rule would have fired."""
    saved_hours: list[float] = field(default_factory=list)

    @property
    def median_hours_saved(self) -> float | None:
        return round(statistics.median(self.saved_hours), 2) if self.saved_hours else None

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "meaning": self.meaning,
            "escalates": self.escalates,
            "tickets": self.tickets,
            "escalated_by_hand_later": self.escalated_by_hand_later if self.escalates else None,
            "median_hours_saved": self.median_hours_saved if self.escalates else None,
        }


TRAILING_SWEEPS = 20
"""Due times looked at after a history's last event: with actions fed back, a rule's
escalation is progress, and a no-progress rule could otherwise fall due for ever."""


def _first_firings(playbook: Playbook, history: History, act: bool = False) -> dict[str, datetime]:
    """When each rule would first have fired on this ticket: the recorded events replayed
    through the pipeline, the timers it sets fired at their due times in between."""
    first = history[0]
    when: dict[str, datetime] = {}
    ticket: Ticket | None = None
    due: datetime | None = None

    def run(command: cmd.Command, now: datetime) -> None:
        nonlocal ticket, due
        decision = handle(ticket, command, Context(playbook, SYSTEM, now, clocks=False, act=act))
        for step in decision.followed:
            if isinstance(step.event, ev.RuleFired):
                when.setdefault(step.event.rule, now)
        ticket, due = decision.ticket, decision.next_due

    for record in history:
        while due is not None and due < record.at:
            run(cmd.FireDueTimers(), due)
        run(cmd.Replay(record.event, record.actor, first.ticket_id), record.at)
    for _ in range(TRAILING_SWEEPS):
        if due is None:
            break
        run(cmd.FireDueTimers(), due)
    return when


def backtest(playbook: Playbook, histories: Iterable[History], act: bool = False) -> list[RuleBacktest]:
    """Per rule: the tickets of ``histories`` it would have fired on, and how many of them
    an agent escalated by hand later. With ``act``, each rule's actions are fed back into
    the replay (a rule's escalation changes what later rules see); off by default, so each
    rule is measured on the history as it was."""
    results = {
        rule.name: RuleBacktest(rule.name, rule.explain(), any(isinstance(a, EscalateTo) for a in rule.then))
        for rule in playbook.rules
    }
    for history in histories:
        if not history:
            continue
        by_hand = [rec.at for rec in history if isinstance(rec.event, ev.TicketEscalated) and rec.actor != SYSTEM]
        for name, at in _first_firings(playbook, history, act).items():
            result = results[name]
            result.tickets += 1
            later = [t for t in by_hand if t >= at]
            if result.escalates and later:
                result.escalated_by_hand_later += 1
                result.saved_hours.append((later[0] - at).total_seconds() / 3600)
    return list(results.values())


@dataclass
class RuleHealth:
    rule: str
    firings: int = 0
    escalations: int = 0
    bounced: int = 0
    hours_to_resolve: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "firings": self.firings,
            "escalations": self.escalations,
            "bounced": self.bounced,
            "bounce_rate": round(self.bounced / self.escalations, 3) if self.escalations else None,
            "median_hours_to_resolve_after_firing": (
                round(statistics.median(self.hours_to_resolve), 2) if self.hours_to_resolve else None
            ),
        }


def rule_health(histories: Iterable[History]) -> list[RuleHealth]:
    """Per rule that ran: firings, the escalations they made, how many of those were
    bounced, and how long tickets took to resolve after the rule fired."""
    health: dict[str, RuleHealth] = {}
    for history in histories:
        caused: dict[int, str] = {}
        current: str | None = None
        for index, record in enumerate(history):
            event = record.event
            if isinstance(event, ev.RuleFired):
                current = event.rule
                entry = health.setdefault(event.rule, RuleHealth(event.rule))
                entry.firings += 1
                resolved = next(
                    (later.at for later in history[index:] if isinstance(later.event, ev.TicketResolved)), None
                )
                if resolved is not None:
                    entry.hours_to_resolve.append((resolved - record.at).total_seconds() / 3600)
            elif isinstance(event, ev.TicketEscalated) and record.actor == SYSTEM and current is not None:
                caused[event.number] = current
                health[current].escalations += 1
            elif isinstance(event, ev.EscalationBounced) and event.number in caused:
                health[caused[event.number]].bounced += 1
            if record.actor != SYSTEM:
                current = None
    return sorted(health.values(), key=lambda h: -h.firings)
