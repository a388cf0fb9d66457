"""The unit of work on SQLAlchemy: one transaction with every repository bound to it.
Repositories hold all SQL; the connection itself is not handed out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Connection, Engine

from baton.store.db import reading, writing
from baton.store.repositories.agents import AgentRepository
from baton.store.repositories.audit_log import AuditLogRepository
from baton.store.repositories.customers import CustomerRepository
from baton.store.repositories.knowledge import KnowledgeRepository
from baton.store.repositories.outbox import NotificationRepository, OutboxRepository
from baton.store.repositories.playbooks import PlaybookRepository
from baton.store.repositories.sessions import SessionRepository
from baton.store.repositories.tickets import TicketRepository
from baton.store.repositories.timers import TimerRepository
from baton.store.repositories.tokens import AuthFailureRepository, TokenRepository
from baton.store.repositories.trail import TrailRepository


class SqlUnitOfWork:
    def __init__(self, conn: Connection) -> None:
        self.tickets = TicketRepository(conn)
        self.customers = CustomerRepository(conn)
        self.timers = TimerRepository(conn)
        self.knowledge = KnowledgeRepository(conn)
        self.agents = AgentRepository(conn)
        self.playbooks = PlaybookRepository(conn)
        self.tokens = TokenRepository(conn)
        self.sessions = SessionRepository(conn)
        self.auth_failures = AuthFailureRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.notifications = NotificationRepository(conn)
        self.trail = TrailRepository(conn)
        self.audit_log = AuditLogRepository(conn)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[SqlUnitOfWork]:
    """Everything inside commits together or not at all."""
    with writing(engine) as conn:
        yield SqlUnitOfWork(conn)


@contextmanager
def read_only(engine: Engine) -> Iterator[SqlUnitOfWork]:
    with reading(engine) as conn:
        yield SqlUnitOfWork(conn)


def units_of(engine: Engine) -> Callable[[], AbstractContextManager[SqlUnitOfWork]]:
    """The factory services take: each call opens one write transaction on ``engine``."""
    return lambda: unit_of_work(engine)


def readers_of(engine: Engine) -> Callable[[], AbstractContextManager[SqlUnitOfWork]]:
    """Each call opens one read-only transaction: it may run beside a write under way."""
    return lambda: read_only(engine)
