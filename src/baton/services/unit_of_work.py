"""Unit of work: one write transaction with the repositories bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from baton.store.db import reading, writing
from baton.store.repository import CustomerRepository, KnowledgeRepository, TicketRepository, TimerRepository


@dataclass
class UnitOfWork:
    conn: Connection
    tickets: TicketRepository
    customers: CustomerRepository
    timers: TimerRepository
    knowledge: KnowledgeRepository


def _bind(conn: Connection) -> UnitOfWork:
    return UnitOfWork(
        conn, TicketRepository(conn), CustomerRepository(conn), TimerRepository(conn), KnowledgeRepository(conn)
    )


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[UnitOfWork]:
    """Everything inside commits together or not at all."""
    with writing(engine) as conn:
        yield _bind(conn)


@contextmanager
def read_only(engine: Engine) -> Iterator[UnitOfWork]:
    with reading(engine) as conn:
        yield _bind(conn)
