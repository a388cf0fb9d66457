"""Storage on SQLite and PostgreSQL: schema, atomic commands, the version guard,
and current state that always equals the replayed events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from baton.core import commands as cmd
from baton.core.errors import ConcurrencyConflict
from baton.core.events import TicketOpened
from baton.core.playbook import EscalationKind
from baton.core.ticket import evolve, open_from
from baton.demo.simulate import simulate
from baton.services.tickets import NewCustomer, NewTicket
from baton.services.unit_of_work import read_only, unit_of_work
from baton.store import tables as t
from baton.store.repositories.tickets import TicketRepository

NOTE = {
    "summary": "API returns 429 far below the limit",
    "steps_tried": "Checked the key's limit: 600/min",
    "error_messages": "HTTP 429",
    "configuration": "enterprise key orders-sync",
    "desired_outcome": "calls succeed at the contracted rate",
}


def new_ticket(**overrides: object) -> NewTicket:
    values: dict[str, object] = {
        "subject": "API returns 429",
        "body": "Our integration gets 429 at 40 requests a minute.",
        "severity": "high",
        "category": "api",
        "channel": "email",
        "customer": NewCustomer("Northwind Logistics", "enterprise"),
        "agent": "amara",
    }
    values.update(overrides)
    return NewTicket(**values)  # type: ignore[arg-type]


def test_the_migrations_build_exactly_the_schema_the_code_declares(baton):
    with baton.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert differences == []


def test_times_come_back_as_aware_utc(baton, clock):
    ticket = baton.tickets.open("amara", new_ticket()).ticket
    with read_only(baton.engine) as uow:
        stored = uow.tickets.get(ticket.id)
        events = uow.tickets.events(ticket.id)
    assert stored.created_at == clock.now() and stored.created_at.tzinfo is not None
    assert events[0].at.utcoffset() == timedelta(0)
    assert stored.created_at.tzinfo == UTC


def test_a_command_that_fails_half_way_writes_nothing(baton, monkeypatch):
    opened = baton.tickets.open("amara", new_ticket())
    ticket = opened.ticket

    def broken(self: TicketRepository, records: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(TicketRepository, "append_events", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        baton.tickets.execute(
            "amara", ticket.id, cmd.Escalate(EscalationKind.HANDOFF, "api-engineer-oncall", "429s", NOTE)
        )
    monkeypatch.undo()
    with read_only(baton.engine) as uow:
        after = uow.tickets.get(ticket.id)
        assert after == ticket
        assert uow.tickets.events(ticket.id) == opened.events
    with baton.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.escalations)).scalar_one() == 0


def test_a_new_customer_is_not_left_behind_when_the_ticket_is_refused(baton):
    from baton.core.errors import InvalidCommand

    with pytest.raises(InvalidCommand):
        baton.tickets.open("amara", new_ticket(severity="apocalyptic", customer=NewCustomer("Kitely", "business")))
    with read_only(baton.engine) as uow:
        assert uow.customers.by_name("Kitely") is None


def test_saving_over_a_version_someone_else_already_moved_is_refused(baton):
    ticket = baton.tickets.open("amara", new_ticket()).ticket
    baton.tickets.execute("amara", ticket.id, cmd.AddMessage("first reply"))
    with (
        unit_of_work(baton.engine) as uow,
        pytest.raises(ConcurrencyConflict, match=f"changed since version {ticket.version}"),
    ):
        uow.tickets.save(ticket, ticket)


def test_current_state_always_equals_the_replayed_event_trail(baton):
    simulate(baton.engine, baton.playbook, days=4, seed=3, end=date(2026, 11, 13))
    with baton.engine.connect() as conn:
        ids = [row.id for row in conn.execute(select(t.tickets.c.id))]
    with read_only(baton.engine) as uow:
        assert len(ids) > 30
        for ticket_id in ids:
            trail = uow.tickets.events(ticket_id)
            first = trail[0]
            assert isinstance(first.event, TicketOpened)
            # the version governing the ticket is the one its opening was recorded under
            replayed = replace(open_from(ticket_id, first.event, first.at), playbook_version=first.playbook_version)
            for record in trail[1:]:
                replayed = evolve(replayed, record.event, record.actor, record.at)
            assert replayed == uow.tickets.get(ticket_id), f"ticket {ticket_id}"


def test_sqlite_databases_run_in_wal_mode(tmp_path):
    from baton.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/baton.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_the_unit_of_work_hands_out_repositories_never_its_connection(baton):
    """Every query lives in a repository: nothing reachable from the unit of work is the raw connection."""
    from sqlalchemy import Connection

    with read_only(baton.engine) as uow:
        exposed = {name: value for name, value in vars(uow).items() if not name.startswith("_")}
        assert exposed and not [name for name, value in exposed.items() if isinstance(value, Connection)]
        assert not hasattr(uow, "conn")
