"""Upgrading a database that already holds tickets, and an outbox claim lost to another
dispatcher. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text

from baton.core.notices import Consumer, NoticeKind, OutboxMessage
from baton.store import tables as t
from baton.store.db import make_engine
from baton.store.migrate import current_revision, head_revision, upgrade
from baton.store.unit_of_work import unit_of_work

AT = datetime(2026, 11, 16, 9, tzinfo=UTC)


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


def test_events_of_the_previous_release_are_hash_chained_in_trail_order(blank_url):
    from baton.core import events as ev
    from baton.core.trail import GENESIS, ProblemKind
    from baton.services.trail import verify_all
    from baton.store.unit_of_work import readers_of

    engine = make_engine(blank_url)
    upgrade(engine, "0007b")
    payloads = [
        {},
        {"body": "caf\u00e9 \u2603", "tags": ["a", "b"], "score": 0.1},
        {"nested": {"z": 1, "a": [1.5, None]}},
    ]
    with engine.begin() as conn:
        version = {"version": "2026.11-1", "name": "Larkspur", "content": "...", "loaded_at": AT}
        conn.execute(insert(t.playbook_versions).values(version))
        customer = conn.execute(
            insert(t.customers).values(name="Cedar Lane", tier="business", created_at=AT).returning(t.customers.c.id)
        ).scalar_one()
        ids = []
        for _ in range(2):
            values = _ticket_values(customer) | {"playbook_version": "2026.11-1"}
            ticket_id = conn.execute(insert(t.tickets).values(values).returning(t.tickets.c.id)).scalar_one()
            ids.append(ticket_id)
            for seq, payload in enumerate(payloads, 1):
                conn.execute(
                    insert(t.ticket_events).values(  # no hashes: the columns come with 0008
                        ticket_id=ticket_id, seq=seq, type="MessageAdded", payload=payload, actor="amara",
                        occurred_at=AT + timedelta(minutes=seq), playbook_version="2026.11-1",
                    )
                )  # fmt: skip
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        rows = conn.execute(select(t.ticket_events).order_by(t.ticket_events.c.ticket_id, t.ticket_events.c.seq)).all()
    for ticket_id in ids:
        chain = [r for r in rows if r.ticket_id == ticket_id]
        assert [r.prev_hash for r in chain] == [GENESIS, chain[0].hash, chain[1].hash]
    report = verify_all(readers_of(engine))
    assert report.verified and (report.tickets, report.events) == (2, 6)
    # the repository chains on from the migrated head
    added = ev.MessageAdded(4, "agent", "amara", "internal", "after the upgrade")
    with unit_of_work(engine) as uow:
        uow.tickets.append_events([ev.RecordedEvent(ids[0], 4, added, "amara", AT + timedelta(hours=1), "2026.11-1")])
    assert verify_all(readers_of(engine)).verified
    with engine.begin() as conn:
        conn.execute(
            t.ticket_events.update()
            .where(t.ticket_events.c.ticket_id == ids[1], t.ticket_events.c.seq == 2)
            .values(actor="mallory")
        )
    [failing] = verify_all(readers_of(engine)).failing
    assert (failing.ticket_id, [(p.position, p.kind) for p in failing.problems]) == (ids[1], [(2, ProblemKind.EDITED)])
    if engine.dialect.name == "postgresql":  # 0009: the ids held are 64-bit now, and so are their sequences
        with engine.begin() as conn:
            kinds = dict(
                conn.execute(
                    text(
                        "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND column_name IN ('id', 'ticket_id', 'customer_id')"
                    )
                ).all()
            )
            big = conn.execute(
                text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), 3000000000) + 1")
            ).scalar_one()
        assert set(kinds.values()) == {"bigint"}, kinds
        assert big == 3_000_000_001
    engine.dispose()
