"""An in-memory unit of work: the same protocols the services use
(:mod:`baton.services.unit_of_work`), no database. A block that raises leaves
everything as it was before it, as a rolled-back transaction would."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from baton.core import events as ev
from baton.core import trail as tr
from baton.core.audit import AuditEntry, ConfigAction, entry_digest
from baton.core.errors import ConcurrencyConflict, NotFound
from baton.core.notices import NotificationRow, OutboxMessage, OutboxRow
from baton.core.routing import SEVERITY_WEIGHT
from baton.core.ticket import Ticket
from baton.store.repositories.customers import Customer
from baton.store.repositories.knowledge import Article
from baton.store.repositories.tickets import Message


class FakeTickets:
    def __init__(self) -> None:
        self.rows: dict[int, Ticket] = {}
        self.trail: list[ev.RecordedEvent] = []
        self.thread: dict[int, list[Message]] = {}
        self.reserved = 0

    def get(self, ticket_id: int) -> Ticket:
        if ticket_id not in self.rows:
            raise NotFound(f"ticket {ticket_id} does not exist")
        return self.rows[ticket_id]

    def get_many(self, ticket_ids: Sequence[int], lock: bool = False) -> list[Ticket]:
        return [self.rows[i] for i in sorted(ticket_ids) if i in self.rows]

    def reserve_id(self) -> int:
        self.reserved = max(self.reserved, *self.rows, 0) + 1
        return self.reserved

    def add(self, ticket: Ticket) -> None:
        assert ticket.id not in self.rows
        self.rows[ticket.id] = ticket

    def save(self, before: Ticket, after: Ticket) -> None:
        if self.rows[before.id].version != before.version:
            raise ConcurrencyConflict(f"ticket {before.id} changed since version {before.version}")
        self.rows[after.id] = after

    def save_clocks(self, pairs: Sequence[tuple[Ticket, Ticket]]) -> None:
        for before, after in pairs:
            self.save(before, after)

    def append_events(self, records: Sequence[ev.RecordedEvent]) -> None:
        self.trail += records

    def add_messages(self, ticket_id: int, added: Sequence[ev.MessageAdded], at: datetime) -> None:
        self.thread.setdefault(ticket_id, []).extend(
            Message(ticket_id, m.number, m.author_kind, m.author, m.visibility, m.body, at) for m in added
        )

    def messages(self, ticket_id: int) -> list[Message]:
        return list(self.thread.get(ticket_id, []))

    def open_load(self) -> dict[str, float]:
        load: dict[str, float] = {}
        for t in self.rows.values():
            if t.status.is_active:
                agent = t.ownership.responsible_agent
                load[agent] = load.get(agent, 0.0) + SEVERITY_WEIGHT.get(t.severity, 1.0)
        return load

    def active_ids_of_customer(self, customer_id: int) -> list[int]:
        return [i for i, t in self.rows.items() if t.customer_id == customer_id and t.status.is_active]

    def events(self, ticket_id: int) -> list[ev.RecordedEvent]:
        return [r for r in self.trail if r.ticket_id == ticket_id]


class FakeCustomers:
    def __init__(self) -> None:
        self.rows: dict[int, Customer] = {}

    def get(self, customer_id: int) -> Customer:
        if customer_id not in self.rows:
            raise NotFound(f"customer {customer_id} does not exist")
        return self.rows[customer_id]

    def by_name(self, name: str) -> Customer | None:
        return next((c for c in self.rows.values() if c.name == name), None)

    def add(self, name: str, tier: str, at: datetime) -> Customer:
        made = Customer(len(self.rows) + 1, name, tier, at)
        self.rows[made.id] = made
        return made

    def set_tier(self, customer_id: int, tier: str) -> None:
        self.rows[customer_id] = dataclasses.replace(self.get(customer_id), tier=tier)


class FakeTimers:
    def __init__(self) -> None:
        self.due: dict[int, datetime] = {}

    def schedule(self, ticket_id: int, due_at: datetime | None) -> None:
        self.schedule_many({ticket_id: due_at})

    def schedule_many(self, due: Mapping[int, datetime | None]) -> None:
        for ticket_id, at in due.items():
            if at is None:
                self.due.pop(ticket_id, None)
            else:
                self.due[ticket_id] = at

    def claim_due(self, now: datetime, limit: int) -> list[tuple[int, datetime]]:
        return sorted(((i, at) for i, at in self.due.items() if at <= now), key=lambda p: p[1])[:limit]


class FakeKnowledge:
    def __init__(self) -> None:
        self.rows: dict[int, Article] = {}

    def by_ticket(self, ticket_id: int) -> Article | None:
        return next((a for a in self.rows.values() if a.ticket_id == ticket_id), None)

    def add(self, ticket_id: int, values: Mapping[str, Any], at: datetime) -> int:
        number = len(self.rows) + 1
        self.rows[number] = _article(number, ticket_id, "draft", 1, at, at, values)
        return number

    def update(self, article: Article, values: Mapping[str, Any], at: datetime) -> Article:
        if self.rows[article.id].version != article.version:
            raise ConcurrencyConflict(f"knowledge article {article.id} changed since version {article.version}")
        fields = {f.name: getattr(article, f.name) for f in dataclasses.fields(Article)} | dict(values)
        fields.update(version=article.version + 1, updated_at=at)
        self.rows[article.id] = Article(**fields)
        return self.rows[article.id]


def _article(
    number: int, ticket_id: int, status: str, version: int, created: datetime, updated: datetime, v: Mapping[str, Any]
) -> Article:
    return Article(
        id=number,
        ticket_id=ticket_id,
        status=status,
        title=v["title"],
        category=v["category"],
        problem=v["problem"],
        cause=v["cause"],
        steps=tuple(v["steps"]),
        errors=tuple(v["errors"]),
        missing=tuple(v["missing"]),
        sources=dict(v["sources"]),
        version=version,
        created_at=created,
        updated_at=updated,
        reviewed_by=None,
        published_at=None,
    )


class FakeOutbox:
    def __init__(self) -> None:
        self.rows: dict[int, OutboxRow] = {}
        self.attempts: list[tuple[int, int, bool, str | None]] = []

    def add(self, messages: Sequence[OutboxMessage], at: datetime) -> None:
        keys = {r.key for r in self.rows.values()}
        for m in messages:
            if m.key in keys:
                continue
            number = len(self.rows) + 1
            self.rows[number] = OutboxRow(
                number, m.key, m.consumer.value, m.ticket_id, m.seq, m.kind.value, m.recipient, m.text,
                dict(m.payload), at, "pending", 0, at, None, None,
            )  # fmt: skip
            keys.add(m.key)

    def claim(self, consumers: Sequence[str], now: datetime, limit: int, lease_until: datetime) -> list[OutboxRow]:
        due = [
            r
            for r in sorted(self.rows.values(), key=lambda r: (r.next_attempt_at, r.id))
            if r.status == "pending" and r.next_attempt_at <= now and r.consumer in consumers
        ][:limit]
        for r in due:
            self.rows[r.id] = dataclasses.replace(r, attempts=r.attempts + 1, next_attempt_at=lease_until)
        return [self.rows[r.id] for r in due]

    def delivered(self, row: OutboxRow, at: datetime) -> bool:
        return self._finish(row, None, {"status": "delivered", "delivered_at": at})

    def failed(self, row: OutboxRow, at: datetime, error: str, retry_at: datetime | None) -> bool:
        changes: dict[str, Any] = {"last_error": error}
        changes.update({"status": "dead"} if retry_at is None else {"next_attempt_at": retry_at})
        return self._finish(row, error, changes)

    def _finish(self, row: OutboxRow, error: str | None, changes: dict[str, Any]) -> bool:
        self.attempts.append((row.id, row.attempts, error is None, error))
        stored = self.rows[row.id]
        if (stored.status, stored.attempts) != ("pending", row.attempts):
            return False  # the lease ran out and another dispatcher took it
        self.rows[row.id] = dataclasses.replace(stored, **changes)
        return True

    def counts(self) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        for r in self.rows.values():
            found[(r.consumer, r.status)] = found.get((r.consumer, r.status), 0) + 1
        return found

    def listed(self, status: str | None = None, limit: int = 100) -> list[OutboxRow]:
        chosen = [r for r in sorted(self.rows.values(), key=lambda r: -r.id) if status in (None, r.status)]
        return chosen[:limit]


class FakeNotifications:
    def __init__(self, tickets: FakeTickets) -> None:
        self.tickets = tickets
        self.rows: dict[int, dict[str, Any]] = {}

    def add_once(self, key: str, agent: str, ticket_id: int, kind: str, text: str, payload: Any, at: datetime) -> bool:
        if any(r["key"] == key for r in self.rows.values()):
            return False
        number = len(self.rows) + 1
        self.rows[number] = {
            "id": number, "key": key, "agent": agent, "ticket_id": ticket_id, "kind": kind, "text": text,
            "payload": payload, "created_at": at, "read_at": None, "dismissed_at": None,
        }  # fmt: skip
        return True

    def page(
        self,
        agent: str,
        limit: int,
        before: int | None = None,
        unread: bool = False,
        hide_kinds_of_resolved: Sequence[str] = (),
    ) -> list[NotificationRow]:
        found = []
        for r in sorted(self.rows.values(), key=lambda r: -r["id"]):
            ticket = self.tickets.get(r["ticket_id"])
            status = ticket.status.value
            if r["agent"] != agent or r["dismissed_at"] or (before is not None and r["id"] >= before):
                continue
            if (unread and r["read_at"]) or (status in ("resolved", "closed") and r["kind"] in hide_kinds_of_resolved):
                continue
            found.append(NotificationRow(**r, subject=ticket.subject, status=status))
        return found[:limit]

    def mark(self, agent: str, notification_id: int, column: str, at: datetime) -> None:
        row = self.rows.get(notification_id)
        if row is None or row["agent"] != agent:
            raise NotFound(f"notification {notification_id} does not exist for {agent}")
        row[column] = row[column] or at


class FakePlaybooks:
    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def content(self, version: str) -> str | None:
        return self.texts.get(version)


class FakeTrail:
    """The trails of ``FakeTickets``, hash-chained as the store writes them, and anchors."""

    def __init__(self, tickets: FakeTickets) -> None:
        self.tickets = tickets
        self.saved: list[tr.AnchorRecord] = []

    def rows(self, ticket_id: int) -> list[tr.TrailRow]:
        rows, prev = [], tr.GENESIS
        for r in sorted(self.tickets.events(ticket_id), key=lambda r: r.seq):
            payload = ev.to_payload(r.event)
            made = tr.event_digest(ticket_id, r.seq, r.event.type, r.actor, r.at, payload, r.playbook_version, prev)
            rows.append(tr.TrailRow(r.seq, r.event.type, r.actor, r.at, payload, r.playbook_version, prev, made, r.seq))
            prev = made
        return rows

    def exists(self, ticket_id: int) -> bool:
        return ticket_id in self.tickets.rows

    def ticket_ids(self) -> list[int]:
        return sorted(self.tickets.rows)

    def trails(self) -> Iterator[tuple[int, list[tr.TrailRow]]]:
        for ticket_id in sorted({r.ticket_id for r in self.tickets.trail}):
            yield ticket_id, self.rows(ticket_id)

    def heads(self) -> dict[int, tr.Head]:
        return {i: tr.Head(rows[-1].position, rows[-1].hash or "") for i, rows in self.trails()}

    def hashes_at(self, places: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
        found = {(i, r.position): r.hash or "" for i, rows in self.trails() for r in rows}
        return {p: found[p] for p in places if p in found}

    def counts(self) -> tuple[int, int]:
        return len(self.tickets.rows), len(self.tickets.trail)

    def lock_anchors(self) -> None:
        pass

    def latest_anchor(self) -> tr.AnchorRecord | None:
        return self.saved[-1] if self.saved else None

    def anchored_heads(self) -> dict[int, tr.Head]:
        return dict(tr.check_anchors(self.saved).heads)

    def anchored_head(self, ticket_id: int) -> tr.Head | None:
        return self.anchored_heads().get(ticket_id)

    def anchors(self) -> list[tr.AnchorRecord]:
        return list(self.saved)

    def add_anchor(self, anchor: tr.AnchorRecord) -> None:
        self.saved.append(anchor)


class FakeAuditLog:
    """The configuration audit log in memory, chained as the store chains it."""

    def __init__(self) -> None:
        self.rows: list[AuditEntry] = []

    def record(
        self, at: datetime, actor: str, action: ConfigAction, subject: str, details: Mapping[str, Any] | None = None
    ) -> AuditEntry:
        last = self.head()
        entry = AuditEntry(len(self.rows) + 1, at, actor, ConfigAction(action).value, subject, dict(details or {}),
                           tr.GENESIS if last is None else last.hash)  # fmt: skip
        entry = dataclasses.replace(entry, hash=entry_digest(entry))
        self.rows.append(entry)
        return entry

    def head(self) -> tr.Head | None:
        return tr.Head(self.rows[-1].position, self.rows[-1].hash or "") if self.rows else None

    def hash_of(self, entry_id: int) -> str | None:
        return next((e.hash for e in self.rows if e.position == entry_id), None)

    def entries(self) -> Iterator[AuditEntry]:
        yield from self.rows

    def recent(self, limit: int, action: ConfigAction | None = None) -> list[AuditEntry]:
        return [e for e in reversed(self.rows) if action is None or e.action == action.value][:limit]


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.tickets = FakeTickets()
        self.customers = FakeCustomers()
        self.timers = FakeTimers()
        self.knowledge = FakeKnowledge()
        self.outbox = FakeOutbox()
        self.notifications = FakeNotifications(self.tickets)
        self.playbooks = FakePlaybooks()
        self.trail = FakeTrail(self.tickets)
        self.audit_log = FakeAuditLog()
        self.commits = 0

    @contextmanager
    def __call__(self) -> Iterator[FakeUnitOfWork]:
        """One transaction: what the block did is kept only if it returns."""
        saved = copy.deepcopy(self.__dict__)
        try:
            yield self
        except BaseException:
            self.__dict__.update(saved)
            raise
        self.commits += 1
