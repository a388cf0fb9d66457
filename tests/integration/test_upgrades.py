"""Upgrading a database that already holds tickets, and an outbox claim lost to another
dispatcher. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from baton.core.notices import Consumer, NoticeKind, OutboxMessage
from baton.store import tables as t
from baton.store.db import make_engine
from baton.store.migrate import current_revision, head_revision, upgrade
from baton.store.unit_of_work import unit_of_work

AT = datetime(2026, 11, 16, 9, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, not migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'older.db'}"
        return
    server: str = request.getfixturevalue("postgres_server")
    name = f"baton_upgrade_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _ticket_values(customer: int) -> dict[str, object]:
    return {
        "version": 1, "subject": "s", "body": "b", "customer_id": customer, "customer_tier": "business",
        "severity": "low", "category": "bug", "channel": "email", "status": "open", "escalation_level": 1,
        "page_context": {}, "original_agent": "amara", "accountable_agent": "amara",
        "responsible_role": "frontline", "responsible_agent": "amara", "ownership_state": "full",
        "consulted": [], "informed": [], "message_count": 0, "reopen_count": 0, "resolution": "",
        "created_at": AT, "updated_at": AT,
    }  # fmt: skip


def test_tickets_of_the_previous_release_take_the_version_their_opening_was_recorded_under(blank_url):
    engine = make_engine(blank_url)
    upgrade(engine, "0006")
    with engine.begin() as conn:
        for version in ("2026.10-1", "2026.11-1"):
            conn.execute(
                insert(t.playbook_versions).values(version=version, name="Larkspur", content="...", loaded_at=AT)
            )
        customer = conn.execute(
            insert(t.customers).values(name="Cedar Lane", tier="business", created_at=AT).returning(t.customers.c.id)
        ).scalar_one()
        ids = []
        for version in ("2026.10-1", "2026.11-1"):
            # no playbook_version: the column comes with 0007
            made = conn.execute(insert(t.tickets).values(_ticket_values(customer)).returning(t.tickets.c.id))
            ticket_id = made.scalar_one()
            ids.append(ticket_id)
            conn.execute(
                insert(t.ticket_events).values(
                    ticket_id=ticket_id,
                    seq=1,
                    type="TicketOpened",
                    payload={},
                    actor="amara",
                    occurred_at=AT,
                    playbook_version=version,
                )
            )
    upgrade(engine)  # rebuilds the tickets table on SQLite, which the events point at
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        pinned = dict(conn.execute(select(t.tickets.c.id, t.tickets.c.playbook_version)).all())
        events = conn.execute(select(t.ticket_events.c.ticket_id)).scalars().all()
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # switched back on
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert pinned == {ids[0]: "2026.10-1", ids[1]: "2026.11-1"}
    assert sorted(events) == sorted(ids)
    engine.dispose()


def test_a_delivery_recorded_after_another_dispatcher_took_the_row_over_is_refused(baton):
    ticket = baton.tickets.open("amara", _new()).ticket
    message = OutboxMessage("notification:x:1:greta", Consumer.NOTIFICATION, ticket.id, 1,
                            NoticeKind.RULE_NOTICE, "greta", "look", {})  # fmt: skip
    with unit_of_work(baton.engine) as uow:
        uow.outbox.add([message], AT)
    with unit_of_work(baton.engine) as uow:  # the first dispatcher, whose lease will run out
        [first] = uow.outbox.claim(["notification"], AT, 10, AT)
    later = AT + timedelta(minutes=5)
    with unit_of_work(baton.engine) as uow:  # the second takes it over
        [second] = uow.outbox.claim(["notification"], later, 10, later + timedelta(minutes=2))
    with unit_of_work(baton.engine) as uow:
        assert uow.outbox.delivered(first, later) is False
        assert uow.outbox.failed(first, later, "too late", None) is False
    with unit_of_work(baton.engine) as uow:
        assert uow.outbox.delivered(second, later) is True
        [row] = [r for r in uow.outbox.listed() if r.key == message.key]
        assert (row.status, row.attempts) == ("delivered", 2)


def _new():  # type: ignore[no-untyped-def]
    from baton.services.tickets import NewCustomer, NewTicket

    return NewTicket("Export stops", "The nightly export stops.", "low", "bug", "email",
                     customer=NewCustomer("Cedar Lane Foods", "business"), agent="amara")  # fmt: skip
