"""The trail as the tamper check reads it, and the anchors over all trails: rows of
``ticket_events`` with their hashes, ``audit_anchors`` and their heads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, text, tuple_

from baton.core.trail import AnchorEntry, AnchorRecord, Head, TrailRow
from baton.store import tables as t

ANCHOR_LOCK = 0x62746E616E6368  # "btnanch": one anchor taken at a time on PostgreSQL

_TRAIL_COLUMNS = (
    t.ticket_events.c.id,
    t.ticket_events.c.ticket_id,
    t.ticket_events.c.seq,
    t.ticket_events.c.type,
    t.ticket_events.c.actor,
    t.ticket_events.c.occurred_at,
    t.ticket_events.c.payload,
    t.ticket_events.c.playbook_version,
    t.ticket_events.c.prev_hash,
    t.ticket_events.c.hash,
)


def _row(r: Row[*tuple[Any, ...]]) -> TrailRow:
    return TrailRow(
        position=r.seq,
        type=r.type,
        actor=r.actor,
        at=r.occurred_at,
        payload=r.payload,
        playbook_version=r.playbook_version,
        prev_hash=r.prev_hash,
        hash=r.hash,
        row_id=r.id,
    )


class TrailRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- trails ----------------------------------------------------------------------

    def rows(self, ticket_id: int) -> list[TrailRow]:
        e = t.ticket_events.c
        query = select(*_TRAIL_COLUMNS).where(e.ticket_id == ticket_id).order_by(e.seq, e.id)
        return [_row(r) for r in self.conn.execute(query)]

    def exists(self, ticket_id: int) -> bool:
        query = select(t.tickets.c.id).where(t.tickets.c.id == ticket_id)
        return self.conn.execute(query).first() is not None

    def ticket_ids(self) -> list[int]:
        return [int(i) for i in self.conn.execute(select(t.tickets.c.id).order_by(t.tickets.c.id)).scalars()]

    def trails(self) -> Iterator[tuple[int, list[TrailRow]]]:
        """Every trail with its rows, by ticket id. Streamed from one query: consume it
        inside the transaction."""
        e = t.ticket_events.c
        rows = self.conn.execution_options(yield_per=2000).execute(
            select(*_TRAIL_COLUMNS).order_by(e.ticket_id, e.seq, e.id)
        )
        current: list[TrailRow] = []
        ticket: int | None = None
        for r in rows:
            if r.ticket_id != ticket:
                if ticket is not None:
                    yield ticket, current
                ticket, current = int(r.ticket_id), []
            current.append(_row(r))
        if ticket is not None:
            yield ticket, current

    def heads(self) -> dict[int, Head]:
        """Each trail's last event now: its position and hash."""
        e = t.ticket_events.c
        last = select(e.ticket_id, func.max(e.seq).label("seq")).group_by(e.ticket_id).subquery()
        query = select(e.ticket_id, e.seq, e.hash).join(last, (last.c.ticket_id == e.ticket_id) & (last.c.seq == e.seq))
        return {int(r.ticket_id): Head(int(r.seq), str(r.hash)) for r in self.conn.execute(query)}

    def hashes_at(self, places: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """The hash of the event at each (ticket, position) still holding one."""
        wanted = list(places)
        found: dict[tuple[int, int], str] = {}
        e = t.ticket_events.c
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = select(e.ticket_id, e.seq, e.hash).where(tuple_(e.ticket_id, e.seq).in_(chunk))
            found.update({(int(r.ticket_id), int(r.seq)): str(r.hash) for r in self.conn.execute(query)})
        return found

    def counts(self) -> tuple[int, int]:
        """How many tickets and events there are."""
        tickets = self.conn.execute(select(func.count()).select_from(t.tickets)).scalar_one()
        events = self.conn.execute(select(func.count()).select_from(t.ticket_events)).scalar_one()
        return int(tickets), int(events)

    # -- anchors ---------------------------------------------------------------------

    def lock_anchors(self) -> None:
        """Hold the anchors to this transaction (on SQLite the writer's lock already does)."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ANCHOR_LOCK})

    def latest_anchor(self) -> AnchorRecord | None:
        """The last anchor, without its entries."""
        row = self.conn.execute(select(t.audit_anchors).order_by(t.audit_anchors.c.id.desc()).limit(1)).first()
        return None if row is None else _anchor(row, ())

    def anchored_heads(self) -> dict[int, Head]:
        """Each anchored trail's head as its latest anchor entry records it."""
        h = t.audit_anchor_heads.c
        latest = select(h.ticket_id, func.max(h.anchor_id).label("anchor_id")).group_by(h.ticket_id).subquery()
        query = select(h.ticket_id, h.seq, h.hash).join(
            latest, (latest.c.ticket_id == h.ticket_id) & (latest.c.anchor_id == h.anchor_id)
        )
        return {int(r.ticket_id): Head(int(r.seq), str(r.hash)) for r in self.conn.execute(query)}

    def anchored_head(self, ticket_id: int) -> Head | None:
        h = t.audit_anchor_heads.c
        row = self.conn.execute(
            select(h.seq, h.hash).where(h.ticket_id == ticket_id).order_by(h.anchor_id.desc()).limit(1)
        ).first()
        return None if row is None else Head(int(row.seq), str(row.hash))

    def anchors(self) -> list[AnchorRecord]:
        """Every anchor with its entries, in order."""
        h = t.audit_anchor_heads.c
        entries: dict[int, list[AnchorEntry]] = {}
        for r in self.conn.execute(select(t.audit_anchor_heads).order_by(h.anchor_id, h.ticket_id)):
            entries.setdefault(int(r.anchor_id), []).append(AnchorEntry(int(r.ticket_id), int(r.seq), str(r.hash)))
        rows = self.conn.execute(select(t.audit_anchors).order_by(t.audit_anchors.c.id))
        return [_anchor(r, tuple(entries.get(int(r.id), ()))) for r in rows]

    def add_anchor(self, anchor: AnchorRecord) -> None:
        log = anchor.log_head
        self.conn.execute(
            insert(t.audit_anchors).values(
                id=anchor.position,
                at=anchor.at,
                tickets=anchor.tickets,
                events=anchor.events,
                log_id=None if log is None else log.position,
                log_hash=None if log is None else log.hash,
                prev_hash=anchor.prev_hash,
                hash=anchor.hash,
            )
        )
        if anchor.entries:
            self.conn.execute(
                insert(t.audit_anchor_heads),
                [
                    {"anchor_id": anchor.position, "ticket_id": e.ticket_id, "seq": e.position, "hash": e.hash}
                    for e in anchor.entries
                ],
            )


def _anchor(r: Row[Any], entries: tuple[AnchorEntry, ...]) -> AnchorRecord:
    log = None if r.log_id is None else Head(int(r.log_id), str(r.log_hash))
    return AnchorRecord(int(r.id), r.at, int(r.tickets), int(r.events), log, entries, r.prev_hash, r.hash)
