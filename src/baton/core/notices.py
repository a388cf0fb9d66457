"""Who must hear about a decision, outside the request that made it.

Pure: a :class:`~baton.core.pipeline.Decision` and the playbook in, the messages to
put in the outbox out. Each message has an idempotency key (the ticket, the event's
place in its trail, the consumer and the recipient), so a consumer that honours it
sees a message once however often it is delivered."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from baton.core import events as ev
from baton.core.pipeline import Decision, Step
from baton.core.playbook import Playbook
from baton.core.ticket import Ticket


class Consumer(StrEnum):
    NOTIFICATION = "notification"
    """An agent's in-app notification."""
    CUSTOMER = "customer"
    """A public reply or customer update to send to the customer (by e-mail, later)."""


class NoticeKind(StrEnum):
    HANDOFF_RECEIVED = "handoff_received"
    ASSIST_REQUESTED = "assist_requested"
    HANDOFF_BOUNCED = "handoff_bounced"
    HANDED_ON = "handed_on"
    SPECIALIST_NOTE = "specialist_note"
    RESOLVED = "resolved"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    RULE_NOTICE = "rule_notice"
    SUGGESTIONS = "suggestions"
    INFORMED_UPDATE = "informed_update"
    PUBLIC_REPLY = "public_reply"
    DRAFT_WAITING = "draft_waiting"


INFORMED_UPDATES: dict[str, type[ev.Event]] = {
    "escalated": ev.TicketEscalated,
    "resolved": ev.TicketResolved,
    "sla_breached": ev.SlaBreached,
    "severity_changed": ev.SeverityChanged,
    "reopened": ev.TicketReopened,
}
"""The playbook's ``informed_on`` names, and the events they mean."""

STAYS_AFTER_RESOLUTION = frozenset({NoticeKind.RESOLVED, NoticeKind.INFORMED_UPDATE})
"""Notices still worth reading once the ticket is resolved; the others asked for action."""


@dataclass(frozen=True)
class OutboxMessage:
    key: str
    consumer: Consumer
    ticket_id: int
    seq: int
    kind: NoticeKind
    recipient: str
    """An agent's name, or (for the customer) the customer's id."""
    text: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    key: str
    consumer: str
    ticket_id: int
    seq: int
    kind: str
    recipient: str
    text: str
    payload: dict[str, Any]
    created_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class NotificationRow:
    id: int
    key: str
    agent: str
    ticket_id: int
    kind: str
    text: str
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
    dismissed_at: datetime | None
    subject: str
    status: str
    """The ticket's status when read."""


def outbox_messages(decision: Decision, playbook: Playbook) -> list[OutboxMessage]:
    """Every message the decision's events send, in trail order, each recipient once per event."""
    ticket = decision.ticket
    found: list[OutboxMessage] = []
    for step in decision.steps:
        seen: set[tuple[Consumer, str]] = set()
        for consumer, kind, recipient, text, payload in _notices(step, ticket, playbook):
            if (consumer, recipient) in seen or (consumer is Consumer.NOTIFICATION and recipient == step.actor):
                continue  # nobody is told of what they did themselves
            seen.add((consumer, recipient))
            key = f"{consumer.value}:{ticket.id}:{step.seq}:{recipient}"
            said = text[:1].upper() + text[1:]
            found.append(OutboxMessage(key, consumer, ticket.id, step.seq, kind, recipient, said, payload))
    return found


Notice = tuple[Consumer, NoticeKind, str, str, dict[str, Any]]


def _agents(
    kind: NoticeKind, agents: Iterable[str], text: str, payload: Mapping[str, Any] | None = None
) -> Iterator[Notice]:
    for agent in agents:
        if agent:
            yield Consumer.NOTIFICATION, kind, agent, text, dict(payload or {})


def _receivers(playbook: Playbook, role_name: str, routed: str) -> tuple[str, ...]:
    """Who hears of work arriving for a role: the on-call member if it has a rotation, else every member."""
    role = playbook.roles.get(role_name)
    if role is None:
        return (routed,)
    return (routed,) if role.on_call is not None else role.members


def _members(playbook: Playbook, role: str) -> tuple[str, ...]:
    """A role's members; nobody for a role the playbook no longer has (a ticket governed by
    an earlier version may name one)."""
    found = playbook.roles.get(role)
    return found.members if found is not None else ()


def _informed(ticket: Ticket, playbook: Playbook) -> Iterator[str]:
    for p in ticket.ownership.informed:
        if p.agent:
            yield p.agent
        elif p.role is not None:
            yield from _members(playbook, p.role)


def _notices(step: Step, ticket: Ticket, playbook: Playbook) -> Iterator[Notice]:
    event, actor, own = step.event, step.actor, ticket.ownership
    match event:
        case ev.TicketEscalated(kind="handoff"):
            text = f"handed off to {event.to_role} by {actor} — {event.reason}"
            yield from _agents(NoticeKind.HANDOFF_RECEIVED, _receivers(playbook, event.to_role, event.to_agent), text)
            if actor != own.accountable_agent:
                yield from _agents(NoticeKind.HANDED_ON, [own.accountable_agent], text)
        case ev.TicketEscalated(kind="assist"):
            text = f"{actor} asks {event.to_role} to assist — {event.reason}"
            yield from _agents(NoticeKind.ASSIST_REQUESTED, [event.to_agent], text)
        case ev.EscalationBounced():
            missing = ", ".join(event.missing) or "see the comment"
            text = f"{actor} bounced escalation {event.number} back; missing: {missing}"
            yield from _agents(NoticeKind.HANDOFF_BOUNCED, [event.returned_to_agent], text)
        case ev.MessageAdded(author_kind="agent", visibility="internal"):
            text = f"internal note by {event.author}"
            yield from _agents(NoticeKind.SPECIALIST_NOTE, [own.accountable_agent], text)
        case ev.ReplyDrafted():
            text = f"{event.author} drafted reply {event.draft} for the customer: send, edit or discard it"
            yield from _agents(NoticeKind.DRAFT_WAITING, [event.for_agent], text, {"draft": event.draft})
        case ev.MessageAdded(author_kind="agent" | "system", visibility="public"):
            text = f"reply {event.number} by {event.author}"
            yield Consumer.CUSTOMER, NoticeKind.PUBLIC_REPLY, str(ticket.customer_id), text, {"message": event.number}
        case ev.TicketResolved():
            text = f"resolved by {actor} — {event.resolution[:200]}"
            yield from _agents(NoticeKind.RESOLVED, [own.accountable_agent], text)
        case ev.SlaThresholdReached():
            text = f"the {event.target.replace('_', ' ')} SLA is at {event.percent} %"
            yield from _agents(NoticeKind.SLA_WARNING, [own.responsible_agent], text)
        case ev.SlaBreached():
            text = f"the {event.target.replace('_', ' ')} SLA is breached"
            yield from _agents(NoticeKind.SLA_BREACHED, [own.responsible_agent, own.accountable_agent], text)
        case ev.RoleNotified():
            to = (event.agent,) if event.agent else _members(playbook, event.role)
            yield from _agents(NoticeKind.RULE_NOTICE, to, event.message)
        case ev.SuggestionsPushed():
            to = (event.agent,) if event.agent else _members(playbook, event.role)
            shown = len(event.tickets) + len(event.articles)
            text = (
                f"no progress; {shown} suggestion{'s' if shown != 1 else ''} by rule {event.rule}"
                if shown
                else f"no progress; rule {event.rule} found nothing to suggest: {event.note}"
            )
            pushed: dict[str, Any] = {"tickets": list(event.tickets), "articles": list(event.articles)}
            for agent in to:
                yield Consumer.NOTIFICATION, NoticeKind.SUGGESTIONS, agent, text, pushed
    if any(isinstance(event, INFORMED_UPDATES[name]) for name in playbook.informed_on):
        text = _update_words(event)
        yield from _agents(NoticeKind.INFORMED_UPDATE, list(_informed(ticket, playbook)), text)


def _update_words(event: ev.Event) -> str:
    match event:
        case ev.TicketEscalated():
            return f"{event.kind} to {event.to_role}"
        case ev.TicketResolved():
            return "resolved"
        case ev.SlaBreached():
            return f"{event.target.replace('_', ' ')} SLA breached"
        case ev.SeverityChanged():
            return f"severity {event.previous} → {event.severity}"
        case ev.TicketReopened():
            return "reopened"
    return event.type
