"""The outbox (messages waiting to leave, their attempts) and agents' in-app
notifications. Over the caller's connection; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, Table, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from baton.core.errors import NotFound
from baton.core.notices import NotificationRow, OutboxMessage, OutboxRow
from baton.store import tables as t
from baton.store.outbox_tables import notifications, outbox, outbox_attempts

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


def _insert_once(conn: Connection, table: Table) -> Insert:
    """An insert that leaves an existing row of the same key alone."""
    made = postgresql_insert(table) if conn.dialect.name == "postgresql" else sqlite_insert(table)
    return made.on_conflict_do_nothing(index_elements=["key"])


class OutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, messages: Sequence[OutboxMessage], at: datetime) -> None:
        """Write the messages in the caller's transaction, due at once; a key already there is kept."""
        if not messages:
            return
        rows = [
            {
                "key": m.key,
                "consumer": m.consumer.value,
                "ticket_id": m.ticket_id,
                "seq": m.seq,
                "kind": m.kind.value,
                "recipient": m.recipient,
                "text": m.text,
                "payload": m.payload,
                "created_at": at,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": at,
            }
            for m in messages
        ]
        self.conn.execute(_insert_once(self.conn, outbox), rows)

    def claim(self, consumers: Sequence[str], now: datetime, limit: int, lease_until: datetime) -> list[OutboxRow]:
        """Take up to ``limit`` due rows for ``consumers``: each attempt is counted and
        the row is put off until ``lease_until``, so another dispatcher skips it while
        this one delivers (and takes it again if this one dies)."""
        c = outbox.c
        query = (
            select(outbox)
            .where(c.status == PENDING, c.next_attempt_at <= now, c.consumer.in_(consumers))
            .order_by(c.next_attempt_at, c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = self.conn.execute(query).all()
        if not rows:
            return []
        ids = [r.id for r in rows]
        self.conn.execute(
            update(outbox).where(c.id.in_(ids)).values(attempts=c.attempts + 1, next_attempt_at=lease_until)
        )
        return [_outbox_row(r, attempts=r.attempts + 1, next_attempt_at=lease_until) for r in rows]

    def delivered(self, row: OutboxRow, at: datetime) -> bool:
        """Record the attempt and the row delivered; False if the claim was no longer this
        dispatcher's (its lease ran out and another took the row since)."""
        return self._finish(row, at, None, {"status": DELIVERED, "delivered_at": at, "last_error": None})

    def failed(self, row: OutboxRow, at: datetime, error: str, retry_at: datetime | None) -> bool:
        """Record a failed attempt: tried again at ``retry_at``, or dead with None. False if
        the claim was no longer this dispatcher's."""
        values: dict[str, Any] = {"last_error": error}
        values.update({"status": DEAD} if retry_at is None else {"next_attempt_at": retry_at})
        return self._finish(row, at, error, values)

    def _finish(self, row: OutboxRow, at: datetime, error: str | None, values: dict[str, Any]) -> bool:
        self._attempt(row, at, error)
        c = outbox.c
        mine = (c.id == row.id, c.status == PENDING, c.attempts == row.attempts)
        return bool(self.conn.execute(update(outbox).where(*mine).values(**values)).rowcount == 1)

    def _attempt(self, row: OutboxRow, at: datetime, error: str | None) -> None:
        self.conn.execute(
            insert(outbox_attempts).values(
                outbox_id=row.id, attempt=row.attempts, at=at, ok=int(error is None), error=error
            )
        )

    def counts(self) -> dict[tuple[str, str], int]:
        """Rows by (consumer, status)."""
        query = select(outbox.c.consumer, outbox.c.status, func.count()).group_by(outbox.c.consumer, outbox.c.status)
        return {(str(consumer), str(status)): int(n) for consumer, status, n in self.conn.execute(query)}

    def listed(self, status: str | None = None, limit: int = 100) -> list[OutboxRow]:
        query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(outbox.c.status == status)
        return [_outbox_row(r) for r in self.conn.execute(query)]

    def attempts(self, outbox_id: int) -> list[tuple[int, datetime, bool, str | None]]:
        c = outbox_attempts.c
        query = select(c.attempt, c.at, c.ok, c.error).where(c.outbox_id == outbox_id).order_by(c.id)
        return [(int(a), at, bool(ok), error) for a, at, ok, error in self.conn.execute(query)]


def _outbox_row(r: Any, **override: Any) -> OutboxRow:
    values = {name: getattr(r, name) for name in OutboxRow.__dataclass_fields__}
    values.update(override)
    return OutboxRow(**values)


class NotificationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_once(self, key: str, agent: str, ticket_id: int, kind: str, text: str, payload: Any, at: datetime) -> bool:
        """Store the notification unless its key is already there; True if it was new."""
        result = self.conn.execute(
            _insert_once(self.conn, notifications).values(
                key=key, agent=agent, ticket_id=ticket_id, kind=kind, text=text, payload=payload, created_at=at
            )
        )
        return bool(result.rowcount)

    def page(
        self,
        agent: str,
        limit: int,
        before: int | None = None,
        unread: bool = False,
        hide_kinds_of_resolved: Sequence[str] = (),
    ) -> list[NotificationRow]:
        """The agent's notifications not dismissed, newest first, from ``before`` (an id) on.
        ``hide_kinds_of_resolved``: kinds left out once their ticket is resolved or closed."""
        n, tk = notifications.c, t.tickets.c
        query = (
            select(notifications, tk.subject, tk.status)
            .join(t.tickets, tk.id == n.ticket_id)
            .where(n.agent == agent, n.dismissed_at.is_(None))
            .order_by(n.id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(n.id < before)
        if unread:
            query = query.where(n.read_at.is_(None))
        if hide_kinds_of_resolved:
            query = query.where(~(tk.status.in_(("resolved", "closed")) & n.kind.in_(hide_kinds_of_resolved)))
        return [
            NotificationRow(**{name: getattr(r, name) for name in NotificationRow.__dataclass_fields__})
            for r in self.conn.execute(query)
        ]

    def mark(self, agent: str, notification_id: int, column: str, at: datetime) -> None:
        """Set ``read_at`` or ``dismissed_at`` (once) on one of the agent's notifications."""
        n = notifications.c
        found = self.conn.execute(select(n.id, n[column]).where(n.id == notification_id, n.agent == agent)).first()
        if found is None:
            raise NotFound(f"notification {notification_id} does not exist for {agent}")
        if found[1] is None:
            self.conn.execute(update(notifications).where(n.id == notification_id).values({column: at}))

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(notifications)).scalar_one())
