"""Two agents hand off the same ticket at the same moment: one wins, the other
gets 409, and the ticket never has two owners. Real server, real threads, both
databases."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest
import uvicorn

from baton.api.main import create_app
from baton.app import Baton
from baton.core import commands as cmd
from baton.core.errors import ConcurrencyConflict
from baton.core.playbook import EscalationKind
from baton.services.tickets import NewCustomer, NewTicket
from baton.services.tokens import create_token
from baton.services.unit_of_work import read_only, unit_of_work

NOTE = {
    "summary": "Scheduled export stuck",
    "steps_tried": "Re-queued once; stalled at 62 %",
    "error_messages": "none shown",
    "configuration": "nightly S3 export, 2.1 GB",
    "desired_outcome": "export lands before the finance close",
}


@pytest.fixture
def server(baton: Baton) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(baton), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def _ticket(baton: Baton) -> int:
    new = NewTicket(
        subject="Scheduled export stuck",
        body="Our nightly export never finished.",
        severity="high",
        category="data-export",
        channel="email",
        customer=NewCustomer("Helios Energy Group", "enterprise"),
        agent="amara",
    )
    return baton.tickets.open("amara", new).ticket.id


@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_handoffs_give_one_201_and_one_409(baton, server, round_):
    tid = _ticket(baton)
    token = create_token(baton.engine, "amara", baton.clock.now())
    headers = {"Authorization": f"Bearer {token}"}
    with httpx2.Client(base_url=server, headers=headers, timeout=30) as http:
        version = http.get(f"/api/v1/tickets/{tid}").json()["version"]
        start = threading.Barrier(2)

        def hand_off(role: str) -> int:
            start.wait()
            body = {
                "kind": "handoff",
                "target_role": role,
                "reason": "export stalls beyond tier 1",
                "note": NOTE,
                "expected_version": version,
            }
            return http.post(f"/api/v1/tickets/{tid}/escalations", json=body).status_code

        with ThreadPoolExecutor(2) as pool:
            codes = list(pool.map(hand_off, ["product-specialist", "api-engineer-oncall"]))
        ticket = http.get(f"/api/v1/tickets/{tid}").json()
        events = http.get(f"/api/v1/tickets/{tid}/events").json()

    assert sorted(codes) == [201, 409]
    winner = ["product-specialist", "api-engineer-oncall"][codes.index(201)]
    assert ticket["ownership"]["responsible_role"] == winner
    assert [e["kind"] for e in ticket["escalations"]] == ["handoff"]
    assert [e["type"] for e in events].count("TicketEscalated") == 1
    assert ticket["ownership"]["accountable_agent"] == "amara"


def test_writers_racing_past_each_other_are_caught_by_the_version_guard(baton):
    """Both read version N, both decide, both write: the later write is refused.

    On PostgreSQL both transactions really read before either writes; on SQLite
    writers queue (BEGIN IMMEDIATE), so the second reads the first's result and
    its stale save is refused the same way."""
    tid = _ticket(baton)
    with read_only(baton.engine) as uow:
        seen = uow.tickets.get(tid)
    baton.tickets.execute("amara", tid, cmd.Escalate(EscalationKind.HANDOFF, "product-specialist", "r", NOTE))
    with unit_of_work(baton.engine) as uow, pytest.raises(ConcurrencyConflict):
        uow.tickets.save(seen, seen)
    with read_only(baton.engine) as uow:
        assert uow.tickets.get(tid).ownership.responsible_role == "product-specialist"


@pytest.mark.postgres
def test_postgres_transactions_that_both_read_first_cannot_both_write(postgres_baton):
    """SQLite queues writers before they read (see above); PostgreSQL lets both read."""
    baton = postgres_baton
    tid = _ticket(baton)
    both_read = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []

    def hand_off(role: str) -> None:
        try:
            with unit_of_work(baton.engine) as uow:
                before = uow.tickets.get(tid)
                both_read.wait()
                from baton.core.decide import Context, decide
                from baton.core.ticket import evolve_all

                ctx = Context(baton.playbook, "amara", baton.clock.now())
                events = decide(before, cmd.Escalate(EscalationKind.HANDOFF, role, "r", NOTE), ctx)
                uow.tickets.save(before, evolve_all(before, events, "amara", ctx.now))
            outcomes.append("saved")
        except ConcurrencyConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=hand_off, args=(r,)) for r in ("product-specialist", "billing-specialist")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict", "saved"]
