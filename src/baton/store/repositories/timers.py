"""SLA timers: the due time of each ticket's next threshold, one row per ticket."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from baton.store import tables as t


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
