"""The tamper-evident trail: check one ticket's trail or everything (every trail, the
configuration audit log, the anchors), and take anchors.

An anchor records the head of every trail that grew since the one before it, and the
audit log's head, in a chain of its own: deleting a trail's last events, a whole trail
or the log's last entries is then seen too. ``baton audit anchor`` takes one; the
worker takes one every ``--anchor-every`` minutes (:class:`Anchoring`). An anchor only
ever extends what the anchors before it saw: a trail that lost its anchored head is
left as anchored, so every later check still reports it.

The checks themselves are pure (:mod:`baton.core.trail`); this module only reads and
writes through the unit of work."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from baton.core.audit import check_log
from baton.core.errors import NotFound
from baton.core.trail import (
    GENESIS,
    AnchorCheck,
    AnchorRecord,
    ChainCheck,
    Head,
    TrailCheck,
    anchor_digest,
    check_anchors,
    check_trail,
    plan_anchor,
)
from baton.services.clock import Clock
from baton.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = ["AnchorTaken", "Anchoring", "AuditReport", "take_anchor", "verify_all", "verify_trail"]

log = logging.getLogger("baton.trail")


def verify_trail(reads: UnitOfWorkFactory, ticket_id: int) -> TrailCheck:
    """One ticket's trail checked against its hashes and its latest anchored head.
    Raises :class:`NotFound` for a ticket that neither exists nor was ever anchored (a
    deleted ticket that an anchor saw is reported, its events deleted)."""
    with reads() as uow:
        rows = uow.trail.rows(ticket_id)
        head = uow.trail.anchored_head(ticket_id)
        exists = bool(rows) or uow.trail.exists(ticket_id)
    if not exists and head is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    return check_trail(ticket_id, rows, head, exists)


@dataclass(frozen=True)
class AuditReport:
    """Everything checked: how many trails and events, those that do not verify, the
    audit log and the anchors' own chain."""

    tickets: int
    events: int
    failing: tuple[TrailCheck, ...]
    log: ChainCheck
    anchors: AnchorCheck

    @property
    def verified(self) -> bool:
        return not self.failing and self.log.verified and self.anchors.verified


def verify_all(reads: UnitOfWorkFactory, expected: Head | None = None) -> AuditReport:
    """Check every trail, the audit log and the anchors, in one read transaction.
    ``expected`` is an anchor kept outside the database (``ID:DIGEST``): the anchors'
    chain must still hold it."""
    with reads() as uow:
        anchors = check_anchors(uow.trail.anchors(), expected)
        existing = set(uow.trail.ticket_ids())
        failing: list[TrailCheck] = []
        tickets = events = 0
        seen: set[int] = set()
        for ticket_id, rows in uow.trail.trails():
            seen.add(ticket_id)
            check = check_trail(ticket_id, rows, anchors.heads.get(ticket_id), ticket_id in existing)
            tickets, events = tickets + 1, events + check.checked
            if not check.verified:
                failing.append(check)
        for ticket_id in sorted((existing | set(anchors.heads)) - seen):  # trails without a single event
            tickets += 1
            failing.append(check_trail(ticket_id, [], anchors.heads.get(ticket_id), ticket_id in existing))
        audit_log = check_log(list(uow.audit_log.entries()), anchors.log_head)
    return AuditReport(tickets, events, tuple(failing), audit_log, anchors)


@dataclass(frozen=True)
class AnchorTaken:
    """The anchor taken (none when nothing moved on since the last one, or the last one
    is younger than asked), and the trails it would not bless."""

    anchor: AnchorRecord | None
    refused: tuple[int, ...] = ()
    missing: tuple[int, ...] = ()
    log_refused: bool = False

    @property
    def token(self) -> str | None:
        """``ID:DIGEST``, to keep outside the database and give ``baton audit verify --anchor``."""
        return None if self.anchor is None else f"{self.anchor.position}:{self.anchor.hash}"


def take_anchor(units: UnitOfWorkFactory, at: datetime, min_gap: timedelta | None = None) -> AnchorTaken:
    """Anchor the head of every trail that grew since the last anchor, and the audit
    log's head, in one transaction (one anchorer at a time). With ``min_gap``, nothing
    is taken if the last anchor is younger than that (several workers share the work)."""
    with units() as uow:
        uow.trail.lock_anchors()
        latest = uow.trail.latest_anchor()
        if latest is not None and min_gap is not None and latest.at + min_gap > at:
            return AnchorTaken(None)
        anchored = uow.trail.anchored_heads()
        current = uow.trail.heads()
        moved = [(i, anchored[i].position) for i, head in current.items() if i in anchored and anchored[i] != head]
        still = uow.trail.hashes_at(moved)
        plan = plan_anchor(anchored, current, lambda i, head: still.get((i, head.position)) == head.hash)
        log_head, log_refused = _log_head(uow, latest.log_head if latest else None)
        if not plan.entries and log_head == (latest.log_head if latest else None):
            return AnchorTaken(None, plan.refused, plan.missing, log_refused)
        tickets, events = uow.trail.counts()
        record = AnchorRecord(
            position=1 if latest is None else latest.position + 1,
            at=at,
            tickets=tickets,
            events=events,
            log_head=log_head,
            entries=plan.entries,
            prev_hash=GENESIS if latest is None else latest.hash,
            hash=None,
        )
        record = dataclasses.replace(record, hash=anchor_digest(record))
        uow.trail.add_anchor(record)
    for ticket_id in plan.refused:
        log.warning("ticket %d no longer holds the head the last anchor saw: left as anchored", ticket_id)
    for ticket_id in plan.missing:
        log.warning("ticket %d was anchored and its trail is gone", ticket_id)
    return AnchorTaken(record, plan.refused, plan.missing, log_refused)


def _log_head(uow: UnitOfWork, before: Head | None) -> tuple[Head | None, bool]:
    """The audit log's head to anchor: the current one if it extends the one anchored."""
    now = uow.audit_log.head()
    if before is None or now == before:
        return now, False
    if now is None or now.position < before.position or uow.audit_log.hash_of(before.position) != before.hash:
        log.warning("the audit log no longer holds the entry the last anchor saw: left as anchored")
        return before, True
    return now, False


class Anchoring:
    """Anchors taken by the worker: one every ``every``, timed by the clock it is given.
    Several workers share the schedule through the last anchor's time."""

    def __init__(self, units: UnitOfWorkFactory, clock: Clock, every: timedelta) -> None:
        self.units, self.clock, self.every = units, clock, every
        self.next_at: datetime | None = None

    def due(self) -> AnchorTaken | None:
        """Take an anchor if one is due; None if it was not yet time."""
        now = self.clock.now()
        if self.next_at is not None and now < self.next_at:
            return None
        self.next_at = now + self.every
        return take_anchor(self.units, now, min_gap=self.every)
