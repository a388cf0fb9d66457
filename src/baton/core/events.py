"""Events: what happened to a ticket, in the past tense.

Fields are plain values (str, int, lists, dicts of str) so an event survives a
round trip through JSON unchanged; :func:`to_payload` / :func:`from_payload` do it.
"""

from __future__ import annotations

import builtins
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    registry: ClassVar[dict[str, builtins.type[Event]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Event.registry[cls.__name__] = cls

    @property
    def type(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class TicketOpened(Event):
    subject: str
    body: str
    customer_id: int
    customer_name: str
    customer_tier: str
    severity: str
    category: str
    channel: str
    page_context: dict[str, str]
    accountable_agent: str
    responsible_role: str
    responsible_agent: str
    escalation_level: int
    routing: str = ""
    """Why this agent: the routing decision, in words."""
    sentiment: float | None = None
    """The first message's sentiment."""


@dataclass(frozen=True)
class MessageAdded(Event):
    number: int
    author_kind: str  # "agent" | "customer"
    author: str
    visibility: str  # "public" | "internal"
    body: str
    sentiment: float | None = None
    """A customer message's sentiment, -1 (angry) to 1 (delighted)."""


@dataclass(frozen=True)
class ReplyDrafted(Event):
    """A public reply waiting for the accountable agent, who keeps the customer's voice."""

    draft: int
    author: str
    body: str
    for_agent: str
    """Who is to send it: the accountable agent when it was written."""


@dataclass(frozen=True)
class DraftSent(Event):
    """A draft went to the customer (as the message that follows it)."""

    draft: int
    message: int
    edited: bool


@dataclass(frozen=True)
class DraftDiscarded(Event):
    draft: int
    reason: str = ""


@dataclass(frozen=True)
class StatusChanged(Event):
    previous: str
    status: str
    reason: str = ""


@dataclass(frozen=True)
class SeverityChanged(Event):
    previous: str
    severity: str
    reason: str = ""


@dataclass(frozen=True)
class TicketResolved(Event):
    previous: str
    resolution: str


@dataclass(frozen=True)
class TicketReopened(Event):
    previous: str
    reason: str


@dataclass(frozen=True)
class TicketClosed(Event):
    previous: str


@dataclass(frozen=True)
class ResponsibleAssigned(Event):
    previous_role: str
    previous_agent: str
    role: str
    agent: str
    escalation_level: int
    reason: str = ""
    load: dict[str, float] = field(default_factory=dict)
    routing: str = ""


@dataclass(frozen=True)
class AccountableAssigned(Event):
    previous: str
    agent: str
    reason: str = ""


@dataclass(frozen=True)
class ParticipantAdded(Event):
    kind: str  # "consulted" | "informed"
    role: str | None
    agent: str | None


@dataclass(frozen=True)
class TicketEscalated(Event):
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
    note: dict[str, str]
    load: dict[str, float] = field(default_factory=dict)
    routing: str = ""


@dataclass(frozen=True)
class EscalationBounced(Event):
    number: int
    kind: str
    missing: list[str]
    comment: str
    returned_to_role: str
    returned_to_agent: str
    escalation_level: int


@dataclass(frozen=True)
class CategoryChanged(Event):
    previous: str
    category: str
    reason: str = ""


@dataclass(frozen=True)
class RuleFired(Event):
    rule: str
    occurrence: str
    trigger: str
    inputs: dict[str, str | int | float]
    actions: list[str]


@dataclass(frozen=True)
class RuleActionRefused(Event):
    rule: str
    action: str
    reason: str


@dataclass(frozen=True)
class RuleChainStopped(Event):
    rules: list[str]
    reason: str


@dataclass(frozen=True)
class RoleNotified(Event):
    role: str
    message: str
    agent: str = ""
    """The member it was meant for (a rule notifying the ticket's owner); empty: the whole role."""


@dataclass(frozen=True)
class TicketClassified(Event):
    """What Baton made of a new ticket's text: the category (and severity) it suggests,
    where the suggestion came from (hints, model, fallback), how sure it is and why;
    ``applied`` names what the ticket took from it (the sender may have set the rest)."""

    category: str
    confidence: float
    source: str
    reason: str
    severity: str | None = None
    severity_source: str | None = None
    alternatives: list[list[str | float]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SuggestionsPushed(Event):
    """Similar resolved tickets and knowledge articles sent to the ticket's owner,
    by a rule (a ticket stuck without progress, say)."""

    rule: str
    role: str
    agent: str
    tickets: list[dict[str, str | int | float]]
    """Each: ticket_id, score, category, resolved_by, resolution."""
    articles: list[dict[str, str | int | float]]
    """Each: article_id, score, title."""
    note: str = ""
    """Why the lists are short or empty, in words."""


@dataclass(frozen=True)
class CustomerTierChanged(Event):
    previous: str
    customer_tier: str
    reason: str = ""


@dataclass(frozen=True)
class SlaClockStarted(Event):
    target: str
    policy: str
    calendar: str
    target_seconds: int
    thresholds: list[int]
    cycle: int


@dataclass(frozen=True)
class SlaClockPaused(Event):
    target: str
    spent: float
    """Business seconds spent so far."""


@dataclass(frozen=True)
class SlaClockResumed(Event):
    target: str


@dataclass(frozen=True)
class SlaClockStopped(Event):
    target: str
    spent: float
    met: bool


@dataclass(frozen=True)
class SlaClockRetargeted(Event):
    target: str
    policy: str
    calendar: str
    target_seconds: int
    thresholds: list[int]
    spent: float


@dataclass(frozen=True)
class SlaThresholdReached(Event):
    target: str
    percent: int
    cycle: int
    elapsed: float
    remaining: float


@dataclass(frozen=True)
class SlaBreached(Event):
    target: str
    cycle: int
    elapsed: float
    remaining: float


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored: which ticket, its place in the trail, who, when, and
    under which playbook version."""

    ticket_id: int
    seq: int
    event: Event
    actor: str
    at: datetime
    playbook_version: str


def to_payload(event: Event) -> dict[str, Any]:
    return dataclasses.asdict(event)


def from_payload(type_name: str, payload: dict[str, Any]) -> Event:
    try:
        cls = Event.registry[type_name]
    except KeyError:
        raise ValueError(f"unknown event type {type_name!r}") from None
    return cls(**payload)
