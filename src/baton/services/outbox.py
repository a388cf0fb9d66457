"""Delivering the outbox: claim due rows, hand each to its consumer, record the
attempt. At least once: a row is marked delivered only after its consumer returned,
so a dispatcher killed in between delivers it again, under the same idempotency key
(``row.key``), which a consumer honours; a consumer in Baton's own database (in-app
notifications) writes in the transaction that records the delivery: exactly once.
A failure is retried with backoff; a row failing :data:`MAX_ATTEMPTS` times goes
dead, stays visible and blocks nothing."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from baton.core.notices import STAYS_AFTER_RESOLUTION, Consumer, NoticeKind, NotificationRow, OutboxRow
from baton.services.clock import Clock
from baton.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("baton.outbox")

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
"""How long a claimed row is left to its dispatcher before another may take it."""
FIRST_RETRY = timedelta(seconds=15)
LAST_RETRY = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """15 s after the first failure, doubling, at most an hour."""
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, LAST_RETRY)


class Delivery(Protocol):
    """A consumer outside Baton's database (e-mail, a webhook). ``deliver`` raises if the
    message did not get through; it may be called again with a row it already took (same
    ``row.key``), so the receiver must honour the key."""

    def deliver(self, row: OutboxRow) -> None: ...


@runtime_checkable
class StoredDelivery(Protocol):
    """A consumer in Baton's own database: it writes inside the transaction that records
    the delivery, so it takes each row exactly once."""

    def deliver_in(self, uow: UnitOfWork, row: OutboxRow) -> None: ...


class InAppNotifications:
    """Agents' notifications in Baton itself: one row per outbox key."""

    def deliver_in(self, uow: UnitOfWork, row: OutboxRow) -> None:
        uow.notifications.add_once(
            row.key, row.recipient, row.ticket_id, row.kind, row.text, row.payload, row.created_at
        )


@dataclass(frozen=True)
class Dispatched:
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def claimed(self) -> int:
        return self.delivered + self.failed + self.dead


class Dispatcher:
    def __init__(
        self,
        units: UnitOfWorkFactory,
        clock: Clock,
        consumers: Mapping[str, Delivery | StoredDelivery],
        max_attempts: int = MAX_ATTEMPTS,
        lease: timedelta = LEASE,
    ) -> None:
        self.units = units
        self.clock = clock
        self.consumers = dict(consumers)
        self.max_attempts = max_attempts
        self.lease = lease

    def dispatch(self, limit: int = 100) -> Dispatched:
        """Deliver up to ``limit`` due rows; each outcome is committed on its own, so a
        crash repeats at most the row in hand."""
        now = self.clock.now()
        with self.units() as uow:
            rows = uow.outbox.claim(sorted(self.consumers), now, limit, now + self.lease)
        delivered = failed = dead = 0
        for row in rows:
            if row.attempts > self.max_attempts:  # every earlier attempt ended with its dispatcher dying
                error = f"the dispatcher stopped during each of {row.attempts - 1} deliveries"
                with self.units() as uow:
                    uow.outbox.failed(row, now, error, None)
                dead += 1
                log.error("outbox row %d (%s) is dead: %s", row.id, row.key, error)
                continue
            try:
                if not self._deliver(row):
                    continue
            except Exception as exc:  # a consumer's failure is recorded, never raised
                error = f"{type(exc).__name__}: {exc}"[:2000]
                at = self.clock.now()
                retry = at + retry_delay(row.attempts) if row.attempts < self.max_attempts else None
                with self.units() as uow:
                    uow.outbox.failed(row, at, error, retry)
                if retry is None:
                    dead += 1
                    log.error("outbox row %d (%s) is dead after %d attempts: %s", row.id, row.key, row.attempts, error)
                else:
                    failed += 1
                    log.warning("outbox row %d attempt %d failed: %s", row.id, row.attempts, error)
                continue
            delivered += 1
        return Dispatched(delivered, failed, dead)

    def _deliver(self, row: OutboxRow) -> bool:
        """Hand the row to its consumer and record it delivered: in one transaction for a
        consumer in the database, else after the consumer returned (a crash in between
        delivers it again, under the same key)."""
        consumer = self.consumers[row.consumer]
        if isinstance(consumer, StoredDelivery):
            try:
                with self.units() as uow:
                    consumer.deliver_in(uow, row)
                    if not uow.outbox.delivered(row, self.clock.now()):
                        raise _ClaimLost  # undo this delivery: another dispatcher has the row
            except _ClaimLost:
                log.warning("outbox row %d was taken over by another dispatcher; left to it", row.id)
                return False
            return True
        consumer.deliver(row)
        with self.units() as uow:
            if not uow.outbox.delivered(row, self.clock.now()):
                log.warning("outbox row %d was delivered after its lease ran out; another dispatcher has it", row.id)
                return False
        return True


class _ClaimLost(Exception):
    """The row's lease ran out and another dispatcher claimed it meanwhile."""


def in_app_dispatcher(units: UnitOfWorkFactory, clock: Clock) -> Dispatcher:
    """The dispatcher with this release's consumer: agents' in-app notifications."""
    return Dispatcher(units, clock, {Consumer.NOTIFICATION.value: InAppNotifications()})


HIDDEN_ONCE_RESOLVED = tuple(k.value for k in NoticeKind if k not in STAYS_AFTER_RESOLUTION)


def notifications_for(
    units: UnitOfWorkFactory, agent: str, limit: int = 50, before: int | None = None, unread: bool = False
) -> list[NotificationRow]:
    """The agent's notifications, newest first; those asking for action on a ticket
    already resolved are left out."""
    with units() as uow:
        return uow.notifications.page(agent, limit, before, unread, HIDDEN_ONCE_RESOLVED)


def mark_notification(units: UnitOfWorkFactory, agent: str, notification_id: int, state: str, now: datetime) -> None:
    """``state`` is ``read`` or ``dismissed``."""
    with units() as uow:
        uow.notifications.mark(agent, notification_id, f"{state}_at", now)


@dataclass(frozen=True)
class OutboxStatus:
    counts: dict[tuple[str, str], int]
    """Rows by (consumer, status)."""
    dead: list[OutboxRow]
    """The newest dead rows, with their last error."""


def outbox_status(units: UnitOfWorkFactory, dead: int = 20) -> OutboxStatus:
    with units() as uow:
        return OutboxStatus(uow.outbox.counts(), uow.outbox.listed("dead", dead))
