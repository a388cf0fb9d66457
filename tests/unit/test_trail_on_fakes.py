"""The trail service on the in-memory unit of work: checks, anchors taken on the
worker's schedule, and the audit log's record call."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baton.core import commands as cmd
from baton.core.audit import ConfigAction
from baton.core.errors import NotFound
from baton.core.trail import ProblemKind
from baton.services.clock import FixedClock
from baton.services.tickets import NewCustomer, NewTicket, TicketService
from baton.services.trail import Anchoring, take_anchor, verify_all, verify_trail
from tests.fakes import FakeUnitOfWork

from .ticketing import PLAYBOOK, T0


@pytest.fixture
def units() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


def _open(units: FakeUnitOfWork, clock: FixedClock) -> int:
    service = TicketService(units, PLAYBOOK, clock)
    new = NewTicket("Scheduled export fails", "Every export ends in a 500.", "medium", "data-export", "email",
                    customer=NewCustomer("Cedar Lane Foods", "business"), agent="amara")  # fmt: skip
    ticket = service.open("amara", new).ticket
    clock.advance(timedelta(minutes=3))
    service.execute("amara", ticket.id, cmd.AddMessage("looking", visibility="internal"))
    return ticket.id


def test_a_trail_written_through_the_service_verifies(units, clock):
    ticket = _open(units, clock)
    check = verify_trail(units, ticket)
    assert check.verified and check.checked == len(units.tickets.events(ticket))
    with pytest.raises(NotFound):
        verify_trail(units, ticket + 1)


def test_the_worker_anchors_once_a_period_and_a_lost_tail_is_then_seen(units, clock):
    ticket = _open(units, clock)
    anchoring = Anchoring(units, clock, timedelta(hours=1))
    first = anchoring.due()
    assert first is not None and first.anchor is not None and first.token == f"1:{first.anchor.hash}"
    clock.advance(timedelta(minutes=10))
    assert anchoring.due() is None  # not yet time
    units.tickets.trail.pop()  # the last event, gone
    report = verify_all(units)
    [failing] = report.failing
    last = first.anchor.entries[0].position
    assert (failing.ticket_id, [(p.position, p.kind) for p in failing.problems]) == (
        ticket, [(last, ProblemKind.DELETED)]
    )  # fmt: skip
    clock.advance(timedelta(hours=1))
    assert anchoring.due().refused == (ticket,)  # type: ignore[union-attr]


def test_record_appends_to_one_chain_that_anchors_cover(units, clock):
    with units() as uow:
        entry = uow.audit_log.record(clock.now(), "greta", ConfigAction.TOKEN_REVOKED, "token:3", {"reason": "leak"})
    assert (entry.position, entry.action) == (1, "token_revoked")
    taken = take_anchor(units, clock.now())
    assert taken.anchor is not None and taken.anchor.log_head is not None
    assert taken.anchor.log_head.hash == entry.hash
    units.audit_log.rows.clear()
    assert [(p.position, p.kind) for p in verify_all(units).log.problems] == [(1, ProblemKind.DELETED)]
