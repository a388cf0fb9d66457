"""64-bit ids: a ticket numbered past 2^31 on PostgreSQL lives like any other, and an id
anywhere in 1..2^63-1 that does not exist is NotFound, never a database error. SQLite's
ids stay its rowid, assigned by itself."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateTable

from baton.core import commands as cmd
from baton.core.errors import NotFound
from baton.core.notices import Consumer, NoticeKind, OutboxMessage
from baton.services.tickets import NewCustomer, NewTicket
from baton.services.trail import take_anchor, verify_all, verify_trail
from baton.store import outbox_tables as o
from baton.store import tables as t
from baton.store.db import make_engine
from baton.store.unit_of_work import read_only, unit_of_work

BIG = 2**31 + 5
HUGE = 2**40
LARGEST = 2**63 - 1
AT = datetime(2026, 11, 16, 9, tzinfo=UTC)


def _new() -> NewTicket:
    return NewTicket("Export stops", "The nightly export stops.", "high", "bug", "email",
                     customer=NewCustomer("Cedar Lane Foods", "business"), agent="amara")  # fmt: skip


def test_a_ticket_numbered_past_two_to_the_31_lives_like_any_other_on_postgresql(postgres_baton):
    baton = postgres_baton
    with baton.engine.begin() as conn:
        for table, column in (("tickets", "id"), ("customers", "id"), ("ticket_events", "id")):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), {BIG - 1})"))
    ticket = baton.tickets.open("amara", _new()).ticket
    assert ticket.id == BIG and ticket.customer_id == BIG
    baton.clock.advance(timedelta(minutes=5))
    baton.tickets.execute("amara", ticket.id, cmd.AddMessage("Looking at it.", visibility="internal"))
    with read_only(baton.engine) as uow:
        assert uow.tickets.get(BIG).subject == "Export stops"
        assert uow.customers.get(BIG).name == "Cedar Lane Foods"
        events = uow.tickets.events(BIG)
        assert uow.timers.due_at(BIG) is not None
    assert len(events) >= 2 and all(r.ticket_id == BIG for r in events)
    with unit_of_work(baton.engine) as uow:
        uow.outbox.add([OutboxMessage("notification:big:1:greta", Consumer.NOTIFICATION, BIG, 1,
                                      NoticeKind.RULE_NOTICE, "greta", "look", {})], baton.clock.now())  # fmt: skip
    assert baton.dispatcher.dispatch(10).delivered == 1
    with baton.engine.connect() as conn:
        assert conn.execute(select(func.min(t.ticket_events.c.id))).scalar_one() == BIG
        assert conn.execute(select(o.notifications.c.ticket_id)).scalars().all() == [BIG]
    take_anchor(baton.units, baton.clock.now())
    assert verify_trail(baton.reads, BIG).verified and verify_all(baton.reads).verified


def test_the_id_columns_and_their_sequences_are_64_bit_on_postgresql(postgres_baton):
    with postgres_baton.engine.connect() as conn:
        narrow = conn.execute(
            text(
                "SELECT table_name || '.' || column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type = 'integer' "
                "AND (column_name = 'id' OR column_name LIKE '%\\_id' OR column_name = 'anchor_id')"
            )
        ).scalars()
        sequences = dict(conn.execute(text("SELECT sequencename, data_type::text FROM pg_sequences")).all())
    assert sorted(narrow) == []
    assert sequences and set(sequences.values()) == {"bigint"}, sequences


@pytest.mark.parametrize("missing", [BIG, HUGE, LARGEST])
def test_an_id_that_does_not_exist_is_not_found_whatever_its_size(baton, missing):
    with read_only(baton.engine) as uow:
        with pytest.raises(NotFound):
            uow.tickets.get(missing)
        with pytest.raises(NotFound):
            uow.customers.get(missing)
        with pytest.raises(NotFound):
            uow.knowledge.get(missing)
        assert uow.tickets.get_many([missing, 1]) == []
        assert uow.trail.rows(missing) == [] and uow.trail.anchored_head(missing) is None
    with unit_of_work(baton.engine) as uow, pytest.raises(NotFound):
        uow.notifications.mark("amara", missing, "read_at", baton.clock.now())
    with pytest.raises(NotFound):
        verify_trail(baton.reads, missing)


def test_sqlite_assigns_ids_itself_after_the_largest(sqlite_template, tmp_path):
    path = tmp_path / "ids.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        made = [
            conn.execute(
                insert(t.customers).values(name=name, tier="business", created_at=AT, **given)
            ).inserted_primary_key[0]
            for name, given in (("A", {}), ("B", {"id": BIG}), ("C", {}))
        ]
        ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'customers'").scalar_one()
    engine.dispose()
    assert made == [1, BIG, BIG + 1]
    assert "id INTEGER NOT NULL" in ddl and "PRIMARY KEY (id)" in ddl  # the rowid itself
    create = str(CreateTable(t.tickets).compile(dialect=sqlite.dialect()))
    assert "id INTEGER NOT NULL" in create and "customer_id INTEGER NOT NULL" in create
