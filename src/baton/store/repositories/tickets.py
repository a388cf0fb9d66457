"""Tickets: their current state and escalations, their messages and their recorded
events (the ticket's trail, appended in the same transaction as the state)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    tuple_,
    update,
)

from baton.core import events as ev
from baton.core import trail
from baton.core.brief import PastTicket
from baton.core.errors import ConcurrencyConflict, NotFound
from baton.core.policy import PartyKind, ReadScope, parties
from baton.core.routing import SEVERITY_WEIGHT
from baton.core.ticket import Escalation, Status, Ticket
from baton.store import tables as t
from baton.store.repositories import mapping

Party = tuple[PartyKind, str]

ACTIVE_STATUSES = [s.value for s in Status if s.is_active]


@dataclass(frozen=True)
class Message:
    ticket_id: int
    number: int
    author_kind: str
    author: str
    visibility: str
    body: str
    created_at: datetime


_STATE_COLUMNS = [c.name for c in t.tickets.columns if c.name != "id"]
_SAVE = (
    update(t.tickets)
    .where(t.tickets.c.id == bindparam("expected_id"), t.tickets.c.version == bindparam("expected_version"))
    .values({name: bindparam(name) for name in _STATE_COLUMNS})
)
"""One statement, compiled once: the ticket's new state, only over the version read."""


class TicketRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, ticket_id: int) -> Ticket:
        found = self.get_many([ticket_id])
        if not found:
            raise NotFound(f"ticket {ticket_id} does not exist")
        return found[0]

    def get_many(self, ticket_ids: Sequence[int], lock: bool = False) -> list[Ticket]:
        """The tickets found, in id order. With ``lock`` (PostgreSQL), their rows stay
        locked until the transaction ends, so no command can slip in between."""
        query = select(t.tickets).where(t.tickets.c.id.in_(ticket_ids)).order_by(t.tickets.c.id)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        rows = self.conn.execute(query).all()
        escalations: dict[int, list[Escalation]] = {}
        for row in self.conn.execute(
            select(t.escalations)
            .where(t.escalations.c.ticket_id.in_(ticket_ids))
            .order_by(t.escalations.c.ticket_id, t.escalations.c.number)
        ):
            escalations.setdefault(row.ticket_id, []).append(mapping.escalation(row))
        return [mapping.ticket(row, tuple(escalations.get(row.id, ()))) for row in rows]

    def active_ids_of_customer(self, customer_id: int) -> list[int]:
        query = select(t.tickets.c.id).where(
            t.tickets.c.customer_id == customer_id, t.tickets.c.status.in_(ACTIVE_STATUSES)
        )
        return [int(i) for i in self.conn.execute(query).scalars()]

    def recent_of_customer(self, customer_id: int, excluding: int, since: datetime, limit: int) -> list[PastTicket]:
        """The customer's other tickets created since ``since``, newest first, each with
        how many escalations it had."""
        escalations = (
            select(func.count())
            .select_from(t.escalations)
            .where(t.escalations.c.ticket_id == t.tickets.c.id)
            .scalar_subquery()
        )
        rows = self.conn.execute(
            select(t.tickets.c.id, t.tickets.c.subject, t.tickets.c.status, escalations.label("escalations"))
            .where(
                t.tickets.c.customer_id == customer_id,
                t.tickets.c.id != excluding,
                t.tickets.c.created_at >= since,
            )
            .order_by(t.tickets.c.created_at.desc())
            .limit(limit)
        ).all()
        return [PastTicket(r.id, r.subject, r.status, int(r.escalations)) for r in rows]

    def open_counts(self) -> dict[str, int]:
        """Each agent's active tickets, counted."""
        rows = self.conn.execute(
            select(t.tickets.c.responsible_agent, func.count())
            .where(t.tickets.c.status.in_(ACTIVE_STATUSES))
            .group_by(t.tickets.c.responsible_agent)
        )
        return {str(agent): int(count) for agent, count in rows}

    def open_load(self) -> dict[str, float]:
        """Each agent's active tickets, weighted by severity (see ``routing.SEVERITY_WEIGHT``)."""
        rows = self.conn.execute(
            select(t.tickets.c.responsible_agent, t.tickets.c.severity, func.count())
            .where(t.tickets.c.status.in_(ACTIVE_STATUSES))
            .group_by(t.tickets.c.responsible_agent, t.tickets.c.severity)
        )
        load: dict[str, float] = {}
        for agent, severity, count in rows:
            load[str(agent)] = load.get(str(agent), 0.0) + SEVERITY_WEIGHT.get(severity, 1.0) * int(count)
        return load

    def resolved_key(self) -> tuple[Any, ...]:
        """What tells one set of resolved tickets from another: count, latest resolution, sum of ids."""
        c = t.tickets.c
        query = select(func.count(), func.max(c.resolved_at), func.sum(c.id)).where(c.resolved_at.is_not(None))
        return tuple(self.conn.execute(query).one())

    def reserve_id(self) -> int:
        """The number the next new ticket takes, before it is decided (its rules may name it)."""
        if self.conn.dialect.name == "postgresql":
            query = select(func.nextval(func.pg_get_serial_sequence("tickets", "id")))
        else:  # the writer holds SQLite's lock (BEGIN IMMEDIATE) until it commits: no one else takes it
            query = select(func.coalesce(func.max(t.tickets.c.id), 0) + 1)
        return int(self.conn.execute(query).scalar_one())

    def add(self, ticket: Ticket) -> None:
        """Insert a new ticket (its id reserved with :meth:`reserve_id`) with its escalations."""
        self.conn.execute(insert(t.tickets).values(id=ticket.id, **mapping.ticket_values(ticket)))
        self._name_parties(ticket.id, parties(ticket), frozenset())
        for escalation in ticket.escalations:
            self.conn.execute(
                insert(t.escalations).values(ticket_id=ticket.id, **mapping.escalation_values(escalation))
            )

    def save(self, before: Ticket, after: Ticket) -> None:
        """Write ``after`` over ``before``, refusing if someone changed it meanwhile."""
        self._save_states([(before, after)])
        self._name_parties(after.id, parties(after), parties(before))
        known = {e.number: e for e in before.escalations}
        for escalation in after.escalations:
            if escalation.number not in known:
                self.conn.execute(
                    insert(t.escalations).values(ticket_id=after.id, **mapping.escalation_values(escalation))
                )
            elif known[escalation.number] != escalation:
                self.conn.execute(
                    update(t.escalations)
                    .where(
                        t.escalations.c.ticket_id == after.id,
                        t.escalations.c.number == escalation.number,
                    )
                    .values(**mapping.escalation_values(escalation))
                )

    def _name_parties(self, ticket_id: int, now: frozenset[Party], before: frozenset[Party]) -> None:
        """Keep ``ticket_parties`` in step: rows for who joined, none for who left (rare)."""
        if gone := before - now:
            for kind, name in gone:
                self.conn.execute(
                    delete(t.ticket_parties).where(
                        t.ticket_parties.c.ticket_id == ticket_id,
                        t.ticket_parties.c.kind == kind.value,
                        t.ticket_parties.c.name == name,
                    )
                )
        if joined := now - before:
            self.conn.execute(
                insert(t.ticket_parties),
                [{"ticket_id": ticket_id, "kind": kind.value, "name": name} for kind, name in sorted(joined)],
            )

    def _save_states(self, pairs: Sequence[tuple[Ticket, Ticket]]) -> None:
        params = [
            {"expected_id": before.id, "expected_version": before.version, **mapping.ticket_values(after)}
            for before, after in pairs
        ]
        result = self.conn.execute(_SAVE, params)
        if result.rowcount != len(params):
            first = pairs[0][0]
            raise ConcurrencyConflict(
                f"ticket {first.id} changed since version {first.version}; reload it and try again"
                if len(pairs) == 1
                else f"one of tickets {[b.id for b, _ in pairs]} changed since it was read; try again"
            )

    def save_clocks(self, pairs: Sequence[tuple[Ticket, Ticket]]) -> None:
        """Write many tickets whose only change is to their SLA clocks, at once."""
        if pairs:
            assert all(b.escalations == a.escalations for b, a in pairs)
            self._save_states(pairs)

    def add_messages(self, ticket_id: int, added: Sequence[ev.MessageAdded], at: datetime) -> None:
        for message in added:
            self.conn.execute(
                insert(t.messages).values(
                    ticket_id=ticket_id,
                    number=message.number,
                    author_kind=message.author_kind,
                    author=message.author,
                    visibility=message.visibility,
                    body=message.body,
                    created_at=at,
                )
            )

    def messages(self, ticket_id: int) -> list[Message]:
        rows = self.conn.execute(
            select(t.messages).where(t.messages.c.ticket_id == ticket_id).order_by(t.messages.c.number)
        )
        return [
            Message(r.ticket_id, r.number, r.author_kind, r.author, r.visibility, r.body, r.created_at) for r in rows
        ]

    def append_events(self, records: Sequence[ev.RecordedEvent]) -> None:
        """Append to the trails, each event hash-chained to the one before it in its
        ticket (:mod:`baton.core.trail`), in the caller's transaction."""
        if not records:
            return
        rows = [mapping.recorded_event_values(r) for r in records]
        heads = self._heads_before(records)
        for row in sorted(rows, key=lambda r: (r["ticket_id"], r["seq"])):
            prev = heads.get(row["ticket_id"], trail.GENESIS)
            row["prev_hash"] = prev
            row["hash"] = trail.event_digest(
                row["ticket_id"], row["seq"], row["type"], row["actor"], row["occurred_at"], row["payload"],
                row["playbook_version"], prev,
            )  # fmt: skip
            heads[row["ticket_id"]] = row["hash"]
        self.conn.execute(insert(t.ticket_events), rows)

    def _heads_before(self, records: Sequence[ev.RecordedEvent]) -> dict[int, str]:
        """The hash of the event just before each ticket's first one here (none for a new
        trail; none either if that event is gone, which ``baton audit verify`` reports)."""
        first: dict[int, int] = {}
        for r in records:
            first[r.ticket_id] = min(first.get(r.ticket_id, r.seq), r.seq)
        wanted = [(ticket_id, seq - 1) for ticket_id, seq in first.items() if seq > 1]
        if not wanted:
            return {}
        e = t.ticket_events.c
        rows = self.conn.execute(select(e.ticket_id, e.hash).where(tuple_(e.ticket_id, e.seq).in_(wanted)))
        return {int(ticket_id): str(hashed) for ticket_id, hashed in rows}

    def events(self, ticket_id: int) -> list[ev.RecordedEvent]:
        rows = self.conn.execute(
            select(t.ticket_events).where(t.ticket_events.c.ticket_id == ticket_id).order_by(t.ticket_events.c.seq)
        )
        return [mapping.recorded_event(r) for r in rows]

    def recent_events(
        self, types: Sequence[str], since: datetime, limit: int
    ) -> list[tuple[ev.RecordedEvent, str, str]]:
        """Events of ``types`` recorded since ``since``, newest first, each with its
        ticket's subject and status (by the index on the event time)."""
        e = t.ticket_events.c
        rows = self.conn.execute(
            select(t.ticket_events, t.tickets.c.subject, t.tickets.c.status)
            .join(t.tickets, t.tickets.c.id == e.ticket_id)
            .where(e.occurred_at >= since, e.type.in_(types))
            .order_by(e.occurred_at.desc(), e.id.desc())
            .limit(limit)
        )
        return [(mapping.recorded_event(r), r.subject, r.status) for r in rows]

    def histories(self, created_since: datetime) -> Iterator[list[ev.RecordedEvent]]:
        """Each ticket created since ``created_since``: its whole trail, in order.
        Streamed from one query: consume it inside the transaction."""
        ids = select(t.tickets.c.id).where(t.tickets.c.created_at >= created_since)
        rows = self.conn.execute(
            select(t.ticket_events)
            .where(t.ticket_events.c.ticket_id.in_(ids))
            .order_by(t.ticket_events.c.ticket_id, t.ticket_events.c.seq)
        )
        current: list[ev.RecordedEvent] = []
        for row in rows:
            record = mapping.recorded_event(row)
            if current and current[0].ticket_id != record.ticket_id:
                yield current
                current = []
            current.append(record)
        if current:
            yield current

    def classifications(self, since: datetime) -> Iterator[tuple[ev.TicketClassified, str, str]]:
        """Every ``TicketClassified`` recorded since ``since``, with its ticket's current
        category and status. Streamed from one query: consume it inside the transaction."""
        e, k = t.ticket_events.c, t.tickets.c
        query = (
            select(e.payload, k.category, k.status)
            .join(t.tickets, k.id == e.ticket_id)
            .where(e.type == "TicketClassified", e.occurred_at >= since)
        )
        for payload, category, status in self.conn.execute(query):
            event = ev.from_payload("TicketClassified", payload)
            assert isinstance(event, ev.TicketClassified)
            yield event, category, status

    def page(
        self,
        *,
        status: str | None = None,
        responsible_role: str | None = None,
        agent: str | None = None,
        limit: int = 50,
        offset: int = 0,
        scope: ReadScope | None = None,
    ) -> list[Row[Any]]:
        """A page of tickets, newest change first; with ``scope``, only those its caller sees."""
        query = select(t.tickets, t.customers.c.name.label("customer_name")).join(t.customers)
        if scope is not None and not scope.everything:
            query = query.where(visible_to(scope))
        if status is not None:
            query = query.where(t.tickets.c.status == status)
        if responsible_role is not None:
            query = query.where(t.tickets.c.responsible_role == responsible_role)
        if agent is not None:
            query = query.where((t.tickets.c.accountable_agent == agent) | (t.tickets.c.responsible_agent == agent))
        query = query.order_by(t.tickets.c.updated_at.desc(), t.tickets.c.id.desc())
        return list(self.conn.execute(query.limit(limit).offset(offset)))

    def event_counts(self) -> Counter[str]:
        rows = self.conn.execute(select(t.ticket_events.c.type, func.count()).group_by(t.ticket_events.c.type))
        return Counter({str(kind): int(n) for kind, n in rows})

    def count(self, status: str | None = None, scope: ReadScope | None = None) -> int:
        query = select(func.count()).select_from(t.tickets)
        if scope is not None and not scope.everything:
            query = query.where(visible_to(scope))
        if status is not None:
            query = query.where(t.tickets.c.status == status)
        return int(self.conn.execute(query).scalar_one())


def visible_to(scope: ReadScope) -> ColumnElement[bool]:
    """The tickets ``scope`` admits, as a filter (the same test as :meth:`ReadScope.admits`)."""
    parties = t.ticket_parties.c

    def named(kind: PartyKind, names: Iterable[str]) -> ColumnElement[bool]:
        return exists().where(
            parties.ticket_id == t.tickets.c.id, parties.kind == kind.value, parties.name.in_(sorted(names))
        )

    category = t.tickets.c.category
    seen: ColumnElement[bool] = named(PartyKind.AGENT, [scope.agent])
    if scope.granted:
        seen = or_(seen, category.in_(sorted(scope.granted)))
    by_role = true() if scope.all_roles else named(PartyKind.ROLE, scope.roles)
    if scope.hidden:
        by_role = and_(category.not_in(sorted(scope.hidden)), by_role)
    return or_(seen, by_role)
