"""The configuration audit log: one hash chain over the whole table
(:mod:`baton.core.audit`), appended to in the caller's transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, text

from baton.core.audit import AuditEntry, ConfigAction, entry_digest
from baton.core.trail import GENESIS, Head, canonical
from baton.store import tables as t

LOG_LOCK = 0x62746E61756474  # "btnaudt": one writer of the log at a time on PostgreSQL


def _entry(r: Row[Any]) -> AuditEntry:
    return AuditEntry(int(r.id), r.at, r.actor, r.action, r.subject, r.details, r.prev_hash, r.hash)


class AuditLogRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(
        self, at: datetime, actor: str, action: ConfigAction, subject: str, details: Mapping[str, Any] | None = None
    ) -> AuditEntry:
        """Append an entry after the last one, chained to it. Writers take turns (an
        advisory lock held to the end of the transaction on PostgreSQL, the write lock on
        SQLite), so the chain never forks. ``details`` must be JSON."""
        plain = dict(details or {})
        canonical(plain)  # refuse what is not JSON before anything is written
        for name, value, longest in (("actor", actor, 64), ("subject", subject, 200)):
            if not value or len(value) > longest or "\x00" in value:
                raise ValueError(f"an audit log {name} is 1 to {longest} characters without NUL, not {value!r}")
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOG_LOCK})
        last = self.head()
        entry = AuditEntry(
            position=1 if last is None else last.position + 1,
            at=at,
            actor=actor,
            action=ConfigAction(action).value,
            subject=subject,
            details=plain,
            prev_hash=GENESIS if last is None else last.hash,
        )
        entry = dataclasses.replace(entry, hash=entry_digest(entry))
        self.conn.execute(
            insert(t.audit_log).values(
                id=entry.position,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                details=plain,
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
        )
        return entry

    def head(self) -> Head | None:
        """The last entry: its id and hash."""
        row = self.conn.execute(
            select(t.audit_log.c.id, t.audit_log.c.hash).order_by(t.audit_log.c.id.desc()).limit(1)
        ).first()
        return None if row is None else Head(int(row.id), str(row.hash))

    def hash_of(self, entry_id: int) -> str | None:
        row = self.conn.execute(select(t.audit_log.c.hash).where(t.audit_log.c.id == entry_id)).first()
        return None if row is None else str(row.hash)

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry, in order. Streamed: consume it inside the transaction."""
        rows = self.conn.execution_options(yield_per=2000).execute(select(t.audit_log).order_by(t.audit_log.c.id))
        for r in rows:
            yield _entry(r)

    def recent(self, limit: int, action: ConfigAction | None = None) -> list[AuditEntry]:
        """The newest entries first (of one action, if given)."""
        query = select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(limit)
        if action is not None:
            query = query.where(t.audit_log.c.action == action.value)
        return [_entry(r) for r in self.conn.execute(query)]
