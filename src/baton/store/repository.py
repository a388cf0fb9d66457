"""Repositories over one connection. They never commit: the caller's
transaction (see :func:`baton.store.db.writing`) does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from baton.core import events as ev
from baton.core.errors import ConcurrencyConflict, NotFound
from baton.core.ownership import Ownership, Participant
from baton.core.routing import SEVERITY_WEIGHT
from baton.core.sla import SlaClock
from baton.core.ticket import Escalation, EscalationStatus, Status, Ticket
from baton.store import tables as t
from baton.store.knowledge_tables import knowledge_articles

ACTIVE_STATUSES = [s.value for s in Status if s.is_active]


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    tier: str
    created_at: datetime


@dataclass(frozen=True)
class Message:
    ticket_id: int
    number: int
    author_kind: str
    author: str
    visibility: str
    body: str
    created_at: datetime


class CustomerRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, customer_id: int) -> Customer:
        row = self.conn.execute(select(t.customers).where(t.customers.c.id == customer_id)).first()
        if row is None:
            raise NotFound(f"customer {customer_id} does not exist")
        return Customer(row.id, row.name, row.tier, row.created_at)

    def by_name(self, name: str) -> Customer | None:
        row = self.conn.execute(select(t.customers).where(t.customers.c.name == name)).first()
        return None if row is None else Customer(row.id, row.name, row.tier, row.created_at)

    def set_tier(self, customer_id: int, tier: str) -> None:
        self.get(customer_id)
        self.conn.execute(update(t.customers).where(t.customers.c.id == customer_id).values(tier=tier))

    def add(self, name: str, tier: str, at: datetime) -> Customer:
        result = self.conn.execute(
            insert(t.customers).values(name=name, tier=tier, created_at=at).returning(t.customers.c.id)
        )
        return Customer(result.scalar_one(), name, tier, at)

    def page(self, limit: int, offset: int) -> list[Customer]:
        rows = self.conn.execute(select(t.customers).order_by(t.customers.c.id).limit(limit).offset(offset))
        return [Customer(r.id, r.name, r.tier, r.created_at) for r in rows]


def _participants(raw: Sequence[Mapping[str, Any]]) -> tuple[Participant, ...]:
    return tuple(Participant(role=p.get("role"), agent=p.get("agent")) for p in raw)


def _participant_rows(people: Sequence[Participant]) -> list[dict[str, str | None]]:
    return [{"role": p.role, "agent": p.agent} for p in people]


def _clock(raw: Mapping[str, Any]) -> SlaClock:
    since = raw.get("since")
    return SlaClock(
        target=raw["target"],
        policy=raw["policy"],
        calendar=raw["calendar"],
        target_seconds=int(raw["target_seconds"]),
        thresholds=tuple(raw["thresholds"]),
        cycle=int(raw["cycle"]),
        spent=float(raw["spent"]),
        since=datetime.fromisoformat(since) if since else None,
        reached=tuple(raw["reached"]),
        stopped=bool(raw["stopped"]),
    )


def _clock_row(clock: SlaClock) -> dict[str, Any]:
    return {
        "target": clock.target,
        "policy": clock.policy,
        "calendar": clock.calendar,
        "target_seconds": clock.target_seconds,
        "thresholds": list(clock.thresholds),
        "cycle": clock.cycle,
        "spent": clock.spent,
        "since": clock.since.isoformat() if clock.since else None,
        "reached": list(clock.reached),
        "stopped": clock.stopped,
    }


def _escalation(row: Row[Any]) -> Escalation:
    return Escalation(
        number=row.number,
        kind=row.kind,
        direction=row.direction,
        from_role=row.from_role,
        from_agent=row.from_agent,
        from_tier=row.from_tier,
        to_role=row.to_role,
        to_agent=row.to_agent,
        to_tier=row.to_tier,
        reason=row.reason,
        note=dict(row.note),
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        status=EscalationStatus(row.status),
        bounced_by=row.bounced_by,
        bounced_at=row.bounced_at,
        missing=tuple(row.missing),
        bounce_comment=row.bounce_comment,
    )


def _escalation_values(e: Escalation) -> dict[str, Any]:
    return {
        "number": e.number,
        "kind": e.kind,
        "direction": e.direction,
        "from_role": e.from_role,
        "from_agent": e.from_agent,
        "from_tier": e.from_tier,
        "to_role": e.to_role,
        "to_agent": e.to_agent,
        "to_tier": e.to_tier,
        "reason": e.reason,
        "note": dict(e.note),
        "requested_by": e.requested_by,
        "requested_at": e.requested_at,
        "status": e.status.value,
        "bounced_by": e.bounced_by,
        "bounced_at": e.bounced_at,
        "missing": list(e.missing),
        "bounce_comment": e.bounce_comment,
    }


def _ticket(row: Row[Any], escalations: tuple[Escalation, ...]) -> Ticket:
    return Ticket(
        id=row.id,
        version=row.version,
        subject=row.subject,
        body=row.body,
        customer_id=row.customer_id,
        customer_tier=row.customer_tier,
        severity=row.severity,
        category=row.category,
        channel=row.channel,
        status=Status(row.status),
        escalation_level=row.escalation_level,
        ownership=Ownership(
            original_agent=row.original_agent,
            accountable_agent=row.accountable_agent,
            responsible_role=row.responsible_role,
            responsible_agent=row.responsible_agent,
            consulted=_participants(row.consulted),
            informed=_participants(row.informed),
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        page_context=dict(row.page_context),
        escalations=escalations,
        message_count=row.message_count,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        reopen_count=row.reopen_count,
        resolution=row.resolution,
        clocks=tuple(_clock(c) for c in row.sla_clocks),
        sentiments=tuple(float(v) for v in row.sentiments),
        last_customer_message=row.last_customer_message,
        last_progress_at=row.last_progress_at,
        fired=tuple(row.rules_fired),
    )


def _state_values(ticket: Ticket) -> dict[str, Any]:
    own = ticket.ownership
    return {
        "version": ticket.version,
        "subject": ticket.subject,
        "body": ticket.body,
        "customer_id": ticket.customer_id,
        "customer_tier": ticket.customer_tier,
        "severity": ticket.severity,
        "category": ticket.category,
        "channel": ticket.channel,
        "status": ticket.status.value,
        "escalation_level": ticket.escalation_level,
        "page_context": dict(ticket.page_context),
        "original_agent": own.original_agent,
        "accountable_agent": own.accountable_agent,
        "responsible_role": own.responsible_role,
        "responsible_agent": own.responsible_agent,
        "ownership_state": own.state.value,
        "consulted": _participant_rows(own.consulted),
        "informed": _participant_rows(own.informed),
        "message_count": ticket.message_count,
        "reopen_count": ticket.reopen_count,
        "resolution": ticket.resolution,
        "sla_clocks": [_clock_row(c) for c in ticket.clocks],
        "sentiments": list(ticket.sentiments),
        "last_customer_message": ticket.last_customer_message,
        "last_progress_at": ticket.last_progress_at,
        "rules_fired": list(ticket.fired),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
    }


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
            escalations.setdefault(row.ticket_id, []).append(_escalation(row))
        return [_ticket(row, tuple(escalations.get(row.id, ()))) for row in rows]

    def active_ids_of_customer(self, customer_id: int) -> list[int]:
        query = select(t.tickets.c.id).where(
            t.tickets.c.customer_id == customer_id, t.tickets.c.status.in_(ACTIVE_STATUSES)
        )
        return [int(i) for i in self.conn.execute(query).scalars()]

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

    def add(self, ticket: Ticket) -> int:
        """Insert a new ticket's current state; returns its id."""
        values = _state_values(ticket)
        result = self.conn.execute(insert(t.tickets).values(**values).returning(t.tickets.c.id))
        return int(result.scalar_one())

    def save(self, before: Ticket, after: Ticket) -> None:
        """Write ``after`` over ``before``, refusing if someone changed it meanwhile."""
        self._save_states([(before, after)])
        known = {e.number: e for e in before.escalations}
        for escalation in after.escalations:
            if escalation.number not in known:
                self.conn.execute(insert(t.escalations).values(ticket_id=after.id, **_escalation_values(escalation)))
            elif known[escalation.number] != escalation:
                self.conn.execute(
                    update(t.escalations)
                    .where(
                        t.escalations.c.ticket_id == after.id,
                        t.escalations.c.number == escalation.number,
                    )
                    .values(**_escalation_values(escalation))
                )

    def _save_states(self, pairs: Sequence[tuple[Ticket, Ticket]]) -> None:
        params = [
            {"expected_id": before.id, "expected_version": before.version, **_state_values(after)}
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

    def append_events(self, records: Sequence[ev.RecordedEvent]) -> None:
        if not records:
            return
        self.conn.execute(
            insert(t.ticket_events),
            [
                {
                    "ticket_id": r.ticket_id,
                    "seq": r.seq,
                    "type": r.event.type,
                    "payload": ev.to_payload(r.event),
                    "actor": r.actor,
                    "occurred_at": r.at,
                    "playbook_version": r.playbook_version,
                }
                for r in records
            ],
        )

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
        return [
            (
                ev.RecordedEvent(
                    r.ticket_id, r.seq, ev.from_payload(r.type, r.payload), r.actor, r.occurred_at, r.playbook_version
                ),
                r.subject,
                r.status,
            )
            for r in rows
        ]

    def events(self, ticket_id: int) -> list[ev.RecordedEvent]:
        rows = self.conn.execute(
            select(t.ticket_events).where(t.ticket_events.c.ticket_id == ticket_id).order_by(t.ticket_events.c.seq)
        )
        return [
            ev.RecordedEvent(
                ticket_id=r.ticket_id,
                seq=r.seq,
                event=ev.from_payload(r.type, r.payload),
                actor=r.actor,
                at=r.occurred_at,
                playbook_version=r.playbook_version,
            )
            for r in rows
        ]

    def messages(self, ticket_id: int) -> list[Message]:
        rows = self.conn.execute(
            select(t.messages).where(t.messages.c.ticket_id == ticket_id).order_by(t.messages.c.number)
        )
        return [
            Message(r.ticket_id, r.number, r.author_kind, r.author, r.visibility, r.body, r.created_at) for r in rows
        ]

    def page(
        self,
        *,
        status: str | None = None,
        responsible_role: str | None = None,
        agent: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Row[Any]]:
        query = select(t.tickets, t.customers.c.name.label("customer_name")).join(t.customers)
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

    def count(self, status: str | None = None) -> int:
        query = select(func.count()).select_from(t.tickets)
        if status is not None:
            query = query.where(t.tickets.c.status == status)
        return int(self.conn.execute(query).scalar_one())


class TimerRepository:
    """Due times of the next SLA threshold, one row per ticket."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def schedule(self, ticket_id: int, due_at: datetime | None) -> None:
        """Set (or clear, with None) the ticket's next due time."""
        if due_at is None:
            self.conn.execute(delete(t.sla_timers).where(t.sla_timers.c.ticket_id == ticket_id))
            return
        upsert = (
            postgresql_insert(t.sla_timers) if self.conn.dialect.name == "postgresql" else sqlite_insert(t.sla_timers)
        ).values(ticket_id=ticket_id, due_at=due_at)
        self.conn.execute(upsert.on_conflict_do_update(index_elements=["ticket_id"], set_={"due_at": due_at}))

    def schedule_many(self, due: Mapping[int, datetime | None]) -> None:
        gone = [ticket_id for ticket_id, at in due.items() if at is None]
        if gone:
            self.conn.execute(delete(t.sla_timers).where(t.sla_timers.c.ticket_id.in_(gone)))
        kept = [{"ticket_id": ticket_id, "due_at": at} for ticket_id, at in due.items() if at is not None]
        if kept:
            upsert = (
                postgresql_insert(t.sla_timers)
                if self.conn.dialect.name == "postgresql"
                else sqlite_insert(t.sla_timers)
            )
            self.conn.execute(
                upsert.on_conflict_do_update(index_elements=["ticket_id"], set_={"due_at": upsert.excluded.due_at}),
                kept,
            )

    def due_query(self, now: datetime, limit: int) -> Select[tuple[int, datetime]]:
        query = (
            select(t.sla_timers.c.ticket_id, t.sla_timers.c.due_at)
            .where(t.sla_timers.c.due_at <= now)
            .order_by(t.sla_timers.c.due_at)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            # Several workers share the work: each skips rows another has claimed.
            query = query.with_for_update(skip_locked=True)
        return query

    def claim_due(self, now: datetime, limit: int) -> list[tuple[int, datetime]]:
        return [(int(r.ticket_id), r.due_at) for r in self.conn.execute(self.due_query(now, limit))]

    def due_at(self, ticket_id: int) -> datetime | None:
        return self.conn.execute(select(t.sla_timers.c.due_at).where(t.sla_timers.c.ticket_id == ticket_id)).scalar()

    def earliest(self) -> datetime | None:
        return self.conn.execute(select(func.min(t.sla_timers.c.due_at))).scalar()


@dataclass(frozen=True)
class Article:
    """A knowledge article as stored (see :mod:`baton.core.knowledge`)."""

    id: int
    ticket_id: int
    status: str
    title: str
    category: str
    problem: str
    cause: str
    steps: tuple[str, ...]
    errors: tuple[str, ...]
    missing: tuple[str, ...]
    sources: Mapping[str, str]
    version: int
    created_at: datetime
    updated_at: datetime
    reviewed_by: str | None
    published_at: datetime | None


def _article(row: Row[Any]) -> Article:
    return Article(
        id=row.id,
        ticket_id=row.ticket_id,
        status=row.status,
        title=row.title,
        category=row.category,
        problem=row.problem,
        cause=row.cause,
        steps=tuple(row.steps),
        errors=tuple(row.errors),
        missing=tuple(row.missing),
        sources=dict(row.sources),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        reviewed_by=row.reviewed_by,
        published_at=row.published_at,
    )


class KnowledgeRepository:
    """Knowledge articles, one per ticket. Writes name the version they read."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, article_id: int) -> Article:
        row = self.conn.execute(select(knowledge_articles).where(knowledge_articles.c.id == article_id)).first()
        if row is None:
            raise NotFound(f"knowledge article {article_id} does not exist")
        return _article(row)

    def by_ticket(self, ticket_id: int) -> Article | None:
        row = self.conn.execute(select(knowledge_articles).where(knowledge_articles.c.ticket_id == ticket_id)).first()
        return None if row is None else _article(row)

    def add(self, ticket_id: int, values: Mapping[str, Any], at: datetime) -> int:
        """A new draft for ``ticket_id``; ``values`` are its text columns. Returns its id."""
        result = self.conn.execute(
            insert(knowledge_articles)
            .values(ticket_id=ticket_id, status="draft", version=1, created_at=at, updated_at=at, **values)
            .returning(knowledge_articles.c.id)
        )
        return int(result.scalar_one())

    def update(self, article: Article, values: Mapping[str, Any], at: datetime) -> Article:
        """Write ``values`` over the version of ``article`` read; refuse if it moved on."""
        c = knowledge_articles.c
        result = self.conn.execute(
            update(knowledge_articles)
            .where(c.id == article.id, c.version == article.version)
            .values(version=article.version + 1, updated_at=at, **values)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(
                f"knowledge article {article.id} changed since version {article.version}; reload it and try again"
            )
        return self.get(article.id)

    def page(self, status: str | None = None, limit: int = 200, offset: int = 0) -> list[Article]:
        query = select(knowledge_articles)
        if status is not None:
            query = query.where(knowledge_articles.c.status == status)
        query = query.order_by(knowledge_articles.c.updated_at.desc(), knowledge_articles.c.id.desc())
        return [_article(r) for r in self.conn.execute(query.limit(limit).offset(offset))]

    def published(self) -> list[Article]:
        """Every published article, oldest publication first."""
        c = knowledge_articles.c
        query = select(knowledge_articles).where(c.status == "published").order_by(c.published_at, c.id)
        return [_article(r) for r in self.conn.execute(query)]

    def published_key(self) -> tuple[int, datetime | None, int | None]:
        """What the published set looks like: count, latest change and sum of ids."""
        c = knowledge_articles.c
        row = self.conn.execute(
            select(func.count(), func.max(c.updated_at), func.sum(c.id)).where(c.status == "published")
        ).one()
        return int(row[0]), row[1], None if row[2] is None else int(row[2])
