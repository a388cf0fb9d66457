"""Commands: what someone asks Baton to do to a ticket, in the imperative."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from baton.core import events as ev
from baton.core.playbook import EscalationKind


@dataclass(frozen=True)
class CustomerRef:
    id: int
    name: str
    tier: str


@dataclass(frozen=True)
class OpenTicket:
    subject: str
    body: str
    customer: CustomerRef
    severity: str
    category: str
    channel: str
    page_context: Mapping[str, str] = field(default_factory=dict)
    role: str | None = None
    agent: str | None = None
    sentiment: float | None = None  # of the first message, scored by the service
    classified: ev.TicketClassified | None = None
    """What the text suggested, recorded by Baton right after the opening."""
    ticket_id: int = 0
    """The number the new ticket takes (reserved by the store before deciding)."""


@dataclass(frozen=True)
class AddMessage:
    body: str
    visibility: str = "public"  # public | internal
    author_kind: str = "agent"  # agent | customer
    author: str | None = None  # the customer contact; agents are the actor
    sentiment: float | None = None  # scored by the service for customer messages


@dataclass(frozen=True)
class DraftReply:
    """A public reply written for the accountable agent to send (see ``customer_voice``)."""

    body: str


@dataclass(frozen=True)
class SendDraft:
    """Send a pending draft to the customer, as written or with ``body`` instead."""

    draft: int
    body: str | None = None


@dataclass(frozen=True)
class DiscardDraft:
    draft: int
    reason: str = ""


@dataclass(frozen=True)
class ChangeStatus:
    status: str
    reason: str = ""


@dataclass(frozen=True)
class ChangeSeverity:
    severity: str
    reason: str = ""


@dataclass(frozen=True)
class ChangeCategory:
    category: str
    reason: str = ""


@dataclass(frozen=True)
class Notify:
    role: str
    message: str
    agent: str = ""
    """A member of the role it is meant for (the ticket's owner); empty: the whole role."""


@dataclass(frozen=True)
class ChangeCustomerTier:
    """The customer's plan changed: their open tickets follow it."""

    tier: str
    reason: str = ""


@dataclass(frozen=True)
class Resolve:
    resolution: str


@dataclass(frozen=True)
class Reopen:
    reason: str


@dataclass(frozen=True)
class Close:
    pass


@dataclass(frozen=True)
class AssignResponsible:
    role: str
    agent: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class TransferAccountability:
    agent: str
    reason: str = ""


@dataclass(frozen=True)
class AddParticipant:
    kind: str  # consulted | informed
    role: str | None = None
    agent: str | None = None


@dataclass(frozen=True)
class Escalate:
    kind: EscalationKind
    target_role: str
    reason: str
    note: Mapping[str, str]
    target_agent: str | None = None


@dataclass(frozen=True)
class Bounce:
    escalation: int
    missing: tuple[str, ...]
    comment: str = ""


TicketCommand = (
    AddMessage
    | DraftReply
    | SendDraft
    | DiscardDraft
    | ChangeStatus
    | ChangeSeverity
    | ChangeCustomerTier
    | ChangeCategory
    | Notify
    | Resolve
    | Reopen
    | Close
    | AssignResponsible
    | TransferAccountability
    | AddParticipant
    | Escalate
    | Bounce
)


@dataclass(frozen=True)
class FireDueTimers:
    """Time has passed: record the SLA thresholds and run the no-progress rules due by now."""


@dataclass(frozen=True)
class Replay:
    """Apply an event from a recorded history as it happened (a backtest): the rules
    react to it, the playbook's own clocks do not (the history holds its clock events)."""

    event: ev.Event
    actor: str
    ticket_id: int = 0
    """The ticket's number (only read from a replayed opening)."""


Command = OpenTicket | TicketCommand | FireDueTimers | Replay
"""Everything :func:`baton.core.pipeline.handle` takes."""
