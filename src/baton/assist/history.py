"""The desk's resolved tickets, read from the current-state tables: what the
classifier learns from and what the similar-ticket index searches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from baton.assist.classify import Example, ticket_text
from baton.assist.similar import ResolvedTicket
from baton.store import tables as t

RESOLVED = ("resolved", "closed")


@dataclass(frozen=True)
class ResolvedRecord:
    ticket_id: int
    subject: str
    body: str
    category: str
    severity: str
    resolution: str
    resolved_by: str
    """The responsible role when it was resolved."""
    created_at: datetime
    resolved_at: datetime

    @property
    def text(self) -> str:
        return ticket_text(self.subject, self.body)

    def example(self) -> Example:
        return Example(self.text, self.category, self.severity, self.created_at)

    def resolved_ticket(self) -> ResolvedTicket:
        return ResolvedTicket(self.ticket_id, self.text, self.resolution, self.category, self.resolved_by)


def resolved_tickets(engine: Engine) -> list[ResolvedRecord]:
    """Tickets resolved (or closed after resolution), oldest resolution first."""
    c = t.tickets.c
    columns = (c.id, c.subject, c.body, c.category, c.severity, c.resolution, c.responsible_role)
    query = (
        select(*columns, c.created_at, c.resolved_at)
        .where(c.status.in_(RESOLVED), c.resolved_at.is_not(None))
        .order_by(c.resolved_at, c.id)
    )
    with engine.connect() as conn:
        return [ResolvedRecord(*row) for row in conn.execute(query)]


def training_set(engine: Engine) -> list[Example]:
    """Resolved tickets as classifier examples (subject + body -> category, severity)."""
    return [record.example() for record in resolved_tickets(engine)]
