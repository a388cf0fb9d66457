"""The ticket aggregate and how each event changes it (``evolve``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from baton.core import events as ev
from baton.core import sla
from baton.core.ownership import Ownership, Participant

NEGATIVE = -0.05
"""VADER's conventional threshold: a compound score at or below it is negative."""


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    PENDING_INTERNAL = "pending_internal"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        return self not in (Status.RESOLVED, Status.CLOSED)


class EscalationStatus(StrEnum):
    ACTIVE = "active"
    """The escalation holds: the specialist consults, or the target role is responsible."""
    BOUNCED = "bounced"
    SUPERSEDED = "superseded"
    """A later handoff moved responsibility on."""
    COMPLETED = "completed"
    """The ticket was resolved while the escalation held."""


@dataclass(frozen=True)
class Escalation:
    number: int
    kind: str
    direction: str
    from_role: str
    from_agent: str
    from_tier: int
    to_role: str
    to_agent: str
    to_tier: int
    reason: str
    note: Mapping[str, str]
    requested_by: str
    requested_at: datetime
    status: EscalationStatus = EscalationStatus.ACTIVE
    bounced_by: str | None = None
    bounced_at: datetime | None = None
    missing: tuple[str, ...] = ()
    bounce_comment: str = ""


@dataclass(frozen=True)
class Draft:
    """A public reply waiting for the accountable agent to send, edit or discard."""

    number: int
    author: str
    body: str
    for_agent: str
    written_at: datetime


@dataclass(frozen=True)
class Ticket:
    id: int
    version: int
    subject: str
    body: str
    customer_id: int
    customer_tier: str
    severity: str
    category: str
    channel: str
    status: Status
    escalation_level: int
    ownership: Ownership
    created_at: datetime
    updated_at: datetime
    page_context: Mapping[str, str] = field(default_factory=dict)
    escalations: tuple[Escalation, ...] = ()
    message_count: int = 0
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reopen_count: int = 0
    resolution: str = ""
    clocks: tuple[sla.SlaClock, ...] = ()
    sentiments: tuple[float, ...] = ()
    """Each customer message's sentiment, in order."""
    last_customer_message: str = ""
    last_progress_at: datetime | None = None
    """The last time someone moved the ticket on: a reply, a status change, an escalation."""
    fired: tuple[str, ...] = ()
    """``rule:occurrence`` for every rule firing, so none fires twice on one occurrence."""
    drafts: tuple[Draft, ...] = ()
    """Pending drafts of public replies (sent and discarded ones leave)."""
    draft_count: int = 0
    """Drafts written so far: the next one's number is one more."""
    playbook_version: str = ""
    """The playbook version the ticket was opened under: its SLA policies and rules keep
    governing it when a new version is installed (see :meth:`Playbook.governing`)."""

    @property
    def negative_messages(self) -> int:
        return sum(1 for s in self.sentiments if s <= NEGATIVE)

    def clock(self, target: str) -> sla.SlaClock | None:
        return next((c for c in self.clocks if c.target == target), None)

    def draft(self, number: int) -> Draft | None:
        return next((d for d in self.drafts if d.number == number), None)

    def escalation(self, number: int) -> Escalation | None:
        for escalation in self.escalations:
            if escalation.number == number:
                return escalation
        return None


def open_from(ticket_id: int, event: ev.TicketOpened, at: datetime) -> Ticket:
    return Ticket(
        id=ticket_id,
        version=1,
        subject=event.subject,
        body=event.body,
        customer_id=event.customer_id,
        customer_tier=event.customer_tier,
        severity=event.severity,
        category=event.category,
        channel=event.channel,
        status=Status.NEW,
        escalation_level=event.escalation_level,
        ownership=Ownership(
            original_agent=event.accountable_agent,
            accountable_agent=event.accountable_agent,
            responsible_role=event.responsible_role,
            responsible_agent=event.responsible_agent,
        ),
        created_at=at,
        updated_at=at,
        page_context=dict(event.page_context),
        last_progress_at=at,
        sentiments=() if event.sentiment is None else (event.sentiment,),
    )


PROGRESS = (
    ev.StatusChanged,
    ev.TicketEscalated,
    ev.EscalationBounced,
    ev.TicketResolved,
    ev.TicketReopened,
    ev.ResponsibleAssigned,
)


def _is_progress(event: ev.Event) -> bool:
    if isinstance(event, ev.MessageAdded):
        return event.author_kind == "agent"  # an automatic update is not progress
    return isinstance(event, PROGRESS)


def evolve(ticket: Ticket, event: ev.Event, actor: str, at: datetime) -> Ticket:
    """The ticket after ``event``. Pure: the input ticket is left as it was."""
    changed = _evolve(ticket, event, actor, at)
    if _is_progress(event):
        changed = replace(changed, last_progress_at=at)
    return replace(changed, version=ticket.version + 1, updated_at=at)


def evolve_all(ticket: Ticket, events: Iterable[ev.Event], actor: str, at: datetime) -> Ticket:
    for event in events:
        ticket = evolve(ticket, event, actor, at)
    return ticket


def _set_escalation(ticket: Ticket, number: int, **changes: object) -> Ticket:
    escalations = tuple(
        replace(e, **changes) if e.number == number else e  # type: ignore[arg-type]
        for e in ticket.escalations
    )
    return replace(ticket, escalations=escalations)


def _evolve(ticket: Ticket, event: ev.Event, actor: str, at: datetime) -> Ticket:
    own = ticket.ownership
    match event:
        case ev.MessageAdded(number=number, author_kind="customer", body=body, sentiment=score):
            sentiments = ticket.sentiments if score is None else (*ticket.sentiments, score)
            return replace(ticket, message_count=number, last_customer_message=body, sentiments=sentiments)
        case ev.MessageAdded(number=number):
            return replace(ticket, message_count=number)
        case ev.ReplyDrafted(draft=number, author=author, body=body, for_agent=for_agent):
            draft = Draft(number, author, body, for_agent, at)
            return replace(ticket, drafts=(*ticket.drafts, draft), draft_count=number)
        case ev.DraftSent(draft=number) | ev.DraftDiscarded(draft=number):
            return replace(ticket, drafts=tuple(d for d in ticket.drafts if d.number != number))
        case ev.CategoryChanged(category=category):
            return replace(ticket, category=category)
        case ev.RuleFired(rule=rule, occurrence=occurrence):
            return replace(ticket, fired=(*ticket.fired, f"{rule}:{occurrence}"))
        case (
            ev.RuleActionRefused()
            | ev.RuleChainStopped()
            | ev.RoleNotified()
            | ev.TicketClassified()
            | ev.SuggestionsPushed()
        ):
            return ticket
        case ev.StatusChanged(status=status):
            return replace(ticket, status=Status(status))
        case ev.SeverityChanged(severity=severity):
            return replace(ticket, severity=severity)
        case ev.CustomerTierChanged(customer_tier=tier):
            return replace(ticket, customer_tier=tier)
        case (
            ev.SlaClockStarted()
            | ev.SlaClockPaused()
            | ev.SlaClockResumed()
            | ev.SlaClockStopped()
            | ev.SlaClockRetargeted()
            | ev.SlaThresholdReached()
            | ev.SlaBreached()
        ):
            return replace(ticket, clocks=sla.apply(ticket.clocks, event, at))
        case ev.TicketResolved(resolution=resolution):
            escalations = tuple(
                replace(e, status=EscalationStatus.COMPLETED) if e.status is EscalationStatus.ACTIVE else e
                for e in ticket.escalations
            )
            return replace(
                ticket,
                status=Status.RESOLVED,
                resolved_at=at,
                resolution=resolution,
                escalations=escalations,
            )
        case ev.TicketReopened():
            return replace(
                ticket,
                status=Status.OPEN,
                resolved_at=None,
                resolution="",  # the earlier resolution stays on the trail; it no longer describes the ticket
                reopen_count=ticket.reopen_count + 1,
            )
        case ev.TicketClosed():
            return replace(ticket, status=Status.CLOSED, closed_at=at)
        case ev.ResponsibleAssigned(role=role, agent=agent, escalation_level=level):
            escalations = ticket.escalations
            if role != own.responsible_role:  # a handoff no longer holds the ticket
                escalations = _supersede_handoffs(escalations)
            return replace(
                ticket,
                escalation_level=level,
                escalations=escalations,
                ownership=replace(own, responsible_role=role, responsible_agent=agent),
            )
        case ev.AccountableAssigned(agent=agent):
            return replace(ticket, ownership=replace(own, accountable_agent=agent))
        case ev.ParticipantAdded(kind=kind, role=role, agent=agent):
            who = Participant(role=role, agent=agent)
            if kind == "consulted":
                return replace(ticket, ownership=replace(own, consulted=(*own.consulted, who)))
            return replace(ticket, ownership=replace(own, informed=(*own.informed, who)))
        case ev.TicketEscalated():
            return _escalated(ticket, event, actor, at)
        case ev.EscalationBounced():
            return _bounced(ticket, event, actor, at)
    raise ValueError(f"event {event.type} does not apply to an open ticket")


def _supersede_handoffs(escalations: tuple[Escalation, ...]) -> tuple[Escalation, ...]:
    return tuple(
        replace(e, status=EscalationStatus.SUPERSEDED)
        if e.kind == "handoff" and e.status is EscalationStatus.ACTIVE
        else e
        for e in escalations
    )


def _escalated(ticket: Ticket, event: ev.TicketEscalated, actor: str, at: datetime) -> Ticket:
    own = ticket.ownership
    escalation = Escalation(
        number=event.number,
        kind=event.kind,
        direction=event.direction,
        from_role=event.from_role,
        from_agent=event.from_agent,
        from_tier=event.from_tier,
        to_role=event.to_role,
        to_agent=event.to_agent,
        to_tier=event.to_tier,
        reason=event.reason,
        note=dict(event.note),
        requested_by=actor,
        requested_at=at,
    )
    if event.kind == "assist":
        specialist = Participant(role=event.to_role, agent=event.to_agent)
        return replace(
            ticket,
            escalations=(*ticket.escalations, escalation),
            ownership=replace(own, consulted=(*own.consulted, specialist)),
        )
    earlier = _supersede_handoffs(ticket.escalations)
    return replace(
        ticket,
        escalations=(*earlier, escalation),
        escalation_level=event.to_tier,
        ownership=replace(own, responsible_role=event.to_role, responsible_agent=event.to_agent),
    )


def _bounced(ticket: Ticket, event: ev.EscalationBounced, actor: str, at: datetime) -> Ticket:
    bounced = _set_escalation(
        ticket,
        event.number,
        status=EscalationStatus.BOUNCED,
        bounced_by=actor,
        bounced_at=at,
        missing=tuple(event.missing),
        bounce_comment=event.comment,
    )
    own = bounced.ownership
    escalation = ticket.escalation(event.number)
    if event.kind == "assist" and escalation is not None:
        specialist = Participant(role=escalation.to_role, agent=escalation.to_agent)
        consulted = list(own.consulted)
        if specialist in consulted:
            consulted.remove(specialist)
        return replace(bounced, ownership=replace(own, consulted=tuple(consulted)))
    return replace(
        _resume_handoff(bounced, event),
        escalation_level=event.escalation_level,
        ownership=replace(
            own,
            responsible_role=event.returned_to_role,
            responsible_agent=event.returned_to_agent,
        ),
    )


def _resume_handoff(ticket: Ticket, event: ev.EscalationBounced) -> Ticket:
    """A bounced handoff gives the ticket back to whoever held it: the handoff that had
    brought it to them, superseded by the bounced one, holds it again (so they, in
    turn, may bounce it back to its sender)."""
    held = [
        e
        for e in ticket.escalations
        if e.kind == "handoff"
        and e.number < event.number
        and e.status is EscalationStatus.SUPERSEDED
        and e.to_role == event.returned_to_role
        and e.to_agent == event.returned_to_agent
    ]
    return _set_escalation(ticket, held[-1].number, status=EscalationStatus.ACTIVE) if held else ticket
