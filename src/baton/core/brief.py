"""The handoff brief: what a specialist needs to take a ticket without re-reading it.

Derived, never typed in: built from the ticket's state, its structured handoff notes
and its thread, so it is current after every event; at resolution it is final.
Nothing here calls out to any service."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from baton.core.calendar import Calendar
from baton.core.ticket import Status, Ticket

_STATUS_TEXT = (
    r"Too Many Requests|Gateway Time-?out|Bad Gateway|Internal Server Error|Forbidden|Unauthorized"
    r"|Not Found|Service Unavailable|Bad Request|Conflict"
)
ERROR_PATTERNS = (
    re.compile(rf"\bHTTP\s*[45]\d\d\b(?:\s+(?:{_STATUS_TEXT}))?"),
    re.compile(rf"\b[45]\d\d\s+(?:{_STATUS_TEXT})\b"),
    re.compile(r"\b(?:error|code)\s*[:#]?\s*[A-Z]{2,}[-_]?\d{2,}\b", re.IGNORECASE),
    re.compile(r"\b[A-Z]{2,6}-\d{2,5}\b"),
    re.compile(r"['\"]([^'\"]{0,80}(?:error|invalid|failed|denied|timeout)[^'\"]{0,80})['\"]", re.IGNORECASE),
)


class ThreadMessage(Protocol):
    @property
    def author_kind(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def visibility(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


@dataclass(frozen=True)
class Step:
    at: datetime
    by: str
    what: str


@dataclass(frozen=True)
class PastTicket:
    id: int
    subject: str
    status: str
    escalations: int


@dataclass(frozen=True)
class Brief:
    problem: str
    desired_outcome: str
    steps_tried: tuple[Step, ...]
    errors_seen: tuple[str, ...]
    sentiment: str
    sla: tuple[str, ...]
    customer: str
    recent_history: tuple[PastTicket, ...]
    page_context: Mapping[str, str]
    owner: str
    final: bool
    resolution: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


def first_sentence(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def errors_in(texts: Sequence[str]) -> tuple[str, ...]:
    """Error messages and codes quoted in the thread, in order of first appearance."""
    seen: dict[str, None] = {}
    for text in texts:
        for pattern in ERROR_PATTERNS:
            for match in pattern.finditer(text):
                found = (match.group(1) if match.groups() else match.group(0)).strip()
                if found.lower() not in ("none", "none seen") and found not in seen:
                    seen[found] = None
    found_all = list(seen)
    distinct = [f for f in found_all if not any(f != other and f in other for other in found_all)]
    return tuple(distinct)[:10]


def sentiment_trend(scores: Sequence[float]) -> str:
    if not scores:
        return "no customer messages scored yet"
    latest = scores[-1]
    mood = "negative" if latest <= -0.05 else "positive" if latest >= 0.05 else "neutral"
    if len(scores) == 1:
        return f"{mood} ({latest:+.2f}), one customer message"
    earlier = sum(scores[:-1]) / len(scores[:-1])
    direction = "worsening" if latest < earlier - 0.2 else "improving" if latest > earlier + 0.2 else "steady"
    return f"{direction}: latest {mood} ({latest:+.2f}) against {earlier:+.2f} before, {len(scores)} messages"


def _sla_lines(ticket: Ticket, now: datetime, calendars: Mapping[str, Calendar]) -> tuple[str, ...]:
    lines = []
    for clock in ticket.clocks:
        name = clock.target.replace("_", " ")
        if clock.stopped:
            lines.append(f"{name}: {clock.state.value}")
            continue
        left = clock.target_seconds - clock.elapsed(now, calendars)
        when = f"{abs(left) / 3600:.1f} business h {'left' if left >= 0 else 'overdue'}"
        lines.append(f"{name}: {clock.state.value}, {when} ({clock.policy})")
    return tuple(lines)


def build_brief(
    ticket: Ticket,
    thread: Sequence[ThreadMessage],
    customer_name: str,
    recent: Sequence[PastTicket],
    now: datetime,
    calendars: Mapping[str, Calendar],
) -> Brief:
    notes = [e.note for e in ticket.escalations]
    latest = notes[-1] if notes else {}
    steps = [
        Step(e.requested_at, e.requested_by, f"{e.kind} to {e.to_role}: {e.note['steps_tried']}")
        for e in ticket.escalations
        if e.note.get("steps_tried")
    ]
    steps += [
        Step(m.created_at, m.author, first_sentence(m.body))
        for m in thread
        if m.visibility == "internal" and m.author_kind == "agent"
    ]
    texts = [ticket.body, *(m.body for m in thread), *(n.get("error_messages", "") for n in notes)]
    own = ticket.ownership
    return Brief(
        problem=latest.get("summary") or ticket.subject,
        desired_outcome=latest.get("desired_outcome") or first_sentence(ticket.body),
        steps_tried=tuple(sorted(steps, key=lambda s: s.at)),
        errors_seen=errors_in(texts),
        sentiment=sentiment_trend(ticket.sentiments),
        sla=_sla_lines(ticket, now, calendars),
        customer=f"{customer_name} ({ticket.customer_tier})",
        recent_history=tuple(recent),
        page_context=dict(ticket.page_context),
        owner=(
            f"{own.accountable_agent} keeps the customer; {own.responsible_agent} ({own.responsible_role}, "
            f"tier {ticket.escalation_level}) is responsible"
        ),
        final=ticket.status in (Status.RESOLVED, Status.CLOSED),
        resolution=ticket.resolution,
        notes=tuple(
            f"{e.kind} #{e.number} bounced: missing {', '.join(e.missing)}" for e in ticket.escalations if e.missing
        ),
    )
