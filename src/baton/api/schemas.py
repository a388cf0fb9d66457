"""Request and response bodies (``XCreate`` in, ``XPublic`` out)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from baton.api.params import MAX_ID
from baton.api.text import NOTE_FIELDS_MAX, Comment, Key, Label, Line, LongText, Name, NoteText, Reason, Subject
from baton.core import events as ev
from baton.core.calendar import Calendar
from baton.core.notices import NotificationRow
from baton.core.pipeline import Step
from baton.core.playbook import EscalationKind
from baton.core.ticket import Escalation, Ticket
from baton.http.clocks import ClockPublic
from baton.store.repositories.customers import Customer
from baton.store.repositories.tickets import Message

T = TypeVar("T")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Versioned(Body):
    expected_version: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None,
        description="The ticket version you read; the command is refused with 409 if it moved on.",
    )


class CustomerCreate(Body):
    name: Annotated[Name, Field(min_length=1)]
    tier: Annotated[Label, Field(min_length=1)]


class CustomerUpdate(Body):
    tier: Annotated[Label, Field(min_length=1)]
    reason: Reason = ""


class TicketCreate(Body):
    subject: Annotated[Subject, Field(min_length=1)]
    body: Annotated[LongText, Field(min_length=1)]
    severity: Label | None = Field(
        default=None, description="Absent: suggested from the text, else the playbook's intake severity."
    )
    category: Label | None = Field(
        default=None,
        description="Absent: classified from the text (keyword hints, then the desk's model), else the "
        "playbook's intake category; the classification is recorded on the ticket either way.",
    )
    channel: Label = "web"
    customer_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    customer: CustomerCreate | None = None
    page_context: dict[Key, Line] = Field(
        default_factory=dict,
        max_length=NOTE_FIELDS_MAX,
        description="Where the customer was when it broke: url, screen, browser, app version...",
    )
    role: Name | None = Field(default=None, description="Role to own it; the intake role if absent.")
    agent: Name | None = Field(default=None, description="Member of the role; least loaded if absent.")


class MessageCreate(Body):
    body: Annotated[LongText, Field(min_length=1)]
    visibility: Literal["public", "internal"] = "public"
    author_kind: Literal["agent", "customer"] = "agent"
    author: Name | None = Field(default=None, description="The customer contact, for customer messages.")


class StatusChange(Versioned):
    status: Label
    reason: Reason = ""


class SeverityChange(Versioned):
    severity: Label
    reason: Reason = ""


class CategoryChange(Versioned):
    category: Label
    reason: Reason = ""


class ResolveRequest(Versioned):
    resolution: Annotated[LongText, Field(min_length=1)]


class ReopenRequest(Versioned):
    reason: Annotated[Reason, Field(min_length=1)]


class CloseRequest(Versioned):
    pass


class AssignmentRequest(Versioned):
    role: Name
    agent: Name | None = None
    reason: Reason = ""


class AccountableRequest(Versioned):
    agent: Name
    reason: Reason = ""


class ParticipantCreate(Versioned):
    kind: Literal["consulted", "informed"]
    role: Name | None = None
    agent: Name | None = None


class EscalationCreate(Versioned):
    kind: EscalationKind
    target_role: Name
    reason: Reason
    note: dict[Key, NoteText] = Field(default_factory=dict, max_length=NOTE_FIELDS_MAX)
    target_agent: Name | None = None


class BounceRequest(Versioned):
    missing: Annotated[list[Annotated[Line, Field(max_length=500)]], Field(min_length=1, max_length=NOTE_FIELDS_MAX)]
    comment: Comment = ""


class CustomerPublic(BaseModel):
    id: int
    name: str
    tier: str
    created_at: datetime

    @classmethod
    def of(cls, c: Customer) -> CustomerPublic:
        return cls(id=c.id, name=c.name, tier=c.tier, created_at=c.created_at)


class ParticipantPublic(BaseModel):
    role: str | None
    agent: str | None


class OwnershipPublic(BaseModel):
    state: str
    accountable_agent: str
    responsible_role: str
    responsible_agent: str
    original_agent: str
    consulted: list[ParticipantPublic]
    informed: list[ParticipantPublic]


class EscalationPublic(BaseModel):
    number: int
    kind: str
    direction: str
    status: str
    from_role: str
    from_agent: str
    from_tier: int
    to_role: str
    to_agent: str
    to_tier: int
    reason: str
    note: dict[str, str]
    requested_by: str
    requested_at: datetime
    bounced_by: str | None
    bounced_at: datetime | None
    missing: list[str]
    bounce_comment: str

    @classmethod
    def of(cls, e: Escalation) -> EscalationPublic:
        return cls(
            number=e.number,
            kind=e.kind,
            direction=e.direction,
            status=e.status.value,
            from_role=e.from_role,
            from_agent=e.from_agent,
            from_tier=e.from_tier,
            to_role=e.to_role,
            to_agent=e.to_agent,
            to_tier=e.to_tier,
            reason=e.reason,
            note=dict(e.note),
            requested_by=e.requested_by,
            requested_at=e.requested_at,
            bounced_by=e.bounced_by,
            bounced_at=e.bounced_at,
            missing=list(e.missing),
            bounce_comment=e.bounce_comment,
        )


class TicketPublic(BaseModel):
    id: int
    version: int
    subject: str
    body: str
    customer_id: int
    customer_tier: str
    severity: str
    category: str
    channel: str
    status: str
    escalation_level: int
    page_context: dict[str, str]
    ownership: OwnershipPublic
    escalations: list[EscalationPublic]
    message_count: int
    reopen_count: int
    resolution: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    sla: list[ClockPublic] = Field(default_factory=list, description="The ticket's SLA clocks as of now.")
    playbook_version: str = Field(
        description="The playbook version whose SLA policies and rules govern the ticket: the one it was opened under."
    )

    @classmethod
    def of(cls, t: Ticket, now: datetime, calendars: Mapping[str, Calendar]) -> TicketPublic:
        own = t.ownership
        return cls(
            id=t.id,
            version=t.version,
            subject=t.subject,
            body=t.body,
            customer_id=t.customer_id,
            customer_tier=t.customer_tier,
            severity=t.severity,
            category=t.category,
            channel=t.channel,
            status=t.status.value,
            escalation_level=t.escalation_level,
            page_context=dict(t.page_context),
            ownership=OwnershipPublic(
                state=own.state.value,
                accountable_agent=own.accountable_agent,
                responsible_role=own.responsible_role,
                responsible_agent=own.responsible_agent,
                original_agent=own.original_agent,
                consulted=[ParticipantPublic(role=p.role, agent=p.agent) for p in own.consulted],
                informed=[ParticipantPublic(role=p.role, agent=p.agent) for p in own.informed],
            ),
            escalations=[EscalationPublic.of(e) for e in t.escalations],
            message_count=t.message_count,
            reopen_count=t.reopen_count,
            resolution=t.resolution,
            created_at=t.created_at,
            updated_at=t.updated_at,
            resolved_at=t.resolved_at,
            closed_at=t.closed_at,
            sla=[ClockPublic.of(c, now, calendars) for c in t.clocks],
            playbook_version=t.playbook_version,
        )


class TicketSummary(BaseModel):
    id: int
    version: int
    subject: str
    customer_id: int
    customer_name: str
    customer_tier: str
    severity: str
    category: str
    status: str
    escalation_level: int
    accountable_agent: str
    responsible_role: str
    responsible_agent: str
    ownership_state: str
    created_at: datetime
    updated_at: datetime


class MessagePublic(BaseModel):
    number: int
    author_kind: str
    author: str
    visibility: str
    body: str
    created_at: datetime

    @classmethod
    def of(cls, m: Message) -> MessagePublic:
        return cls(
            number=m.number,
            author_kind=m.author_kind,
            author=m.author,
            visibility=m.visibility,
            body=m.body,
            created_at=m.created_at,
        )


class EventPublic(BaseModel):
    seq: int
    type: str
    actor: str
    at: datetime
    playbook_version: str
    data: dict[str, Any]

    @classmethod
    def of(cls, r: ev.RecordedEvent) -> EventPublic:
        return cls(
            seq=r.seq,
            type=r.event.type,
            actor=r.actor,
            at=r.at,
            playbook_version=r.playbook_version,
            data=ev.to_payload(r.event),
        )


class RolePublic(BaseModel):
    name: str
    title: str
    tier: int
    tier_name: str
    skills: list[str]
    members: list[str]
    authority: bool
    direction: str


class AgentPublic(BaseModel):
    name: str
    display_name: str
    email: str | None = Field(description="Shown to leads and admins, and to the agent themself; null otherwise.")
    roles: list[str]
    open_tickets: int
    load: float = Field(description="Open tickets weighted by severity (critical 4, high 2, medium 1, low 0.5).")
    skills: list[str] = Field(default_factory=list)


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int


_FOLLOWED_LEFT_OUT = frozenset(
    {"note", "body", "inputs", "load", "tickets", "articles", "alternatives", "page_context"}
)


class FollowedPublic(BaseModel):
    """Something the command set off: a clock reaction, a rule firing, an action a rule took."""

    seq: int
    kind: str
    actor: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, step: Step) -> FollowedPublic:
        payload = ev.to_payload(step.event)
        detail = {
            name: value[:200] if isinstance(value, str) else value
            for name, value in payload.items()
            if name not in _FOLLOWED_LEFT_OUT and (value is None or isinstance(value, str | int | float | bool | list))
        }
        return cls(seq=step.seq, kind=step.event.type, actor=step.actor, detail=detail)


class EscalationCreated(EscalationPublic):
    """The escalation the caller made, and what followed it in the same call."""

    followed: list[FollowedPublic]


class MessageCreated(MessagePublic):
    """The caller's message, and what followed it in the same call (a rule's update to the customer...)."""

    followed: list[FollowedPublic]


class NotificationPublic(BaseModel):
    id: int
    ticket_id: int
    subject: str
    status: str
    """The ticket's status now."""
    kind: str
    text: str
    at: datetime
    read_at: datetime | None
    tickets: list[dict[str, Any]] = Field(default_factory=list)
    """Similar resolved tickets pushed with it."""
    articles: list[dict[str, Any]] = Field(default_factory=list)

    @classmethod
    def of(cls, n: NotificationRow) -> NotificationPublic:
        return cls(
            id=n.id,
            ticket_id=n.ticket_id,
            subject=n.subject,
            status=n.status,
            kind=n.kind,
            text=n.text,
            at=n.created_at,
            read_at=n.read_at,
            tickets=list(n.payload.get("tickets", [])),
            articles=list(n.payload.get("articles", [])),
        )


class NotificationPage(BaseModel):
    items: list[NotificationPublic]
    next_before: int | None
    """Pass as ``before`` for the next page; None on the last."""
