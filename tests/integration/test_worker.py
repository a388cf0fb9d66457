"""Timers and the worker on SQLite and PostgreSQL: thresholds fire on time and once,
a sweep reads only due rows, a worker killed with SIGKILL loses and duplicates
nothing, and two workers on PostgreSQL never fire one timer twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from baton.core import commands as cmd
from baton.services.tickets import NewCustomer, NewTicket
from baton.services.unit_of_work import read_only
from baton.store import tables as t
from baton.store.repositories.timers import TimerRepository


def new_ticket(severity: str = "medium", customer: str = "Cedar Lane Foods") -> NewTicket:
    return NewTicket(
        subject="Date filter shows last month",
        body="'This month' shows October.",
        severity=severity,
        category="bug",
        channel="email",
        customer=NewCustomer(customer, "business"),
    )


def sla_events(baton, ticket_id: int) -> list[tuple[str, str, int | None, str]]:
    with read_only(baton.engine) as uow:
        trail = uow.tickets.events(ticket_id)
    return [
        (r.event.type, r.event.target, getattr(r.event, "percent", None), r.actor)  # type: ignore[attr-defined]
        for r in trail
        if r.event.type in ("SlaThresholdReached", "SlaBreached")
    ]


def test_a_threshold_fires_at_its_due_time_once_and_the_timer_moves_on(baton, clock):
    ticket = baton.tickets.open("amara", new_ticket("medium")).ticket
    with read_only(baton.engine) as uow:
        due = uow.timers.due_at(ticket.id)
    assert due == clock.now() + timedelta(hours=2)  # 50 % of a 4-hour first response, Monday 09:00
    clock.set(due - timedelta(seconds=1))
    assert baton.tickets.fire_due_timers() == 0
    clock.set(due)
    assert baton.tickets.fire_due_timers() == 1
    assert sla_events(baton, ticket.id) == [("SlaThresholdReached", "first_response", 50, "baton")]
    assert baton.tickets.fire_due_timers() == 0
    with read_only(baton.engine) as uow:
        assert uow.timers.due_at(ticket.id) == clock.now() + timedelta(minutes=72)  # 80 % at 3h12m


def test_a_reply_clears_the_first_response_timer_and_resolution_ends_all(baton, clock):
    ticket = baton.tickets.open("amara", new_ticket("medium")).ticket
    clock.advance(timedelta(minutes=30))
    baton.tickets.execute("amara", ticket.id, cmd.AddMessage("Looking at it"))
    with read_only(baton.engine) as uow:
        # next: 50 % of the 8-hour update cadence, 4 business hours after the reply
        assert uow.timers.due_at(ticket.id) == clock.now() + timedelta(hours=4)
    baton.tickets.execute("amara", ticket.id, cmd.Resolve("Fixed the filter"))
    with read_only(baton.engine) as uow:
        assert uow.timers.due_at(ticket.id) is None


def test_the_api_shows_each_clock_with_target_elapsed_remaining_and_state(client, auth, clock):
    created = client.post(
        "/api/v1/tickets",
        json={
            "subject": "Exports stuck",
            "body": "Nightly export stuck since yesterday.",
            "severity": "high",
            "category": "data-export",
            "customer": {"name": "Parcelpoint", "tier": "business"},
        },
        headers=auth("amara"),
    ).json()
    clock.advance(timedelta(minutes=45))
    ticket = client.get(f"/api/v1/tickets/{created['id']}", headers=auth("amara")).json()
    first = next(c for c in ticket["sla"] if c["target"] == "first_response")
    assert first["state"] == "running"
    assert (first["target_seconds"], first["elapsed_seconds"], first["remaining_seconds"]) == (
        3600,
        2700,
        900,
    )
    assert first["deadline"] == "2026-11-16T10:00:00Z"
    assert first["policy"] == "high" and first["calendar"] == "emea-extended"


def test_a_due_timer_sweep_reads_only_due_rows_through_the_index(baton):
    now = datetime(2026, 11, 16, 9, tzinfo=UTC)
    with baton.engine.begin() as conn:
        customer = conn.execute(
            insert(t.customers).values(name="Bulk", tier="business", created_at=now).returning(t.customers.c.id)
        ).scalar_one()
        base = {
            "version": 1, "subject": "s", "body": "b", "customer_id": customer, "customer_tier": "business",
            "severity": "low", "category": "bug", "channel": "email", "status": "open", "escalation_level": 1,
            "page_context": {}, "original_agent": "amara", "accountable_agent": "amara",
            "responsible_role": "frontline", "responsible_agent": "amara", "ownership_state": "full",
            "consulted": [], "informed": [], "message_count": 0, "reopen_count": 0, "resolution": "",
            "created_at": now, "updated_at": now, "playbook_version": baton.playbook.version,
        }  # fmt: skip
        conn.execute(insert(t.tickets), [base] * 20_000)
        ids = conn.execute(select(t.tickets.c.id)).scalars().all()
        conn.execute(
            insert(t.sla_timers),
            [{"ticket_id": i, "due_at": now + timedelta(minutes=i)} for i in ids],
        )
    with baton.engine.connect() as conn:
        query = TimerRepository(conn).due_query(now + timedelta(minutes=100), 100)
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
            assert "USING INDEX ix_sla_timers_due_at" in plan or "USING COVERING INDEX ix_sla_timers_due_at" in plan
            assert "SCAN sla_timers" not in plan.replace("USING", "")
        else:
            conn.execute(text("ANALYZE sla_timers"))
            plan = " ".join(row[0] for row in conn.execute(text(f"EXPLAIN {compiled}")))
            assert "Index Scan using ix_sla_timers_due_at" in plan
            assert "Seq Scan" not in plan
        assert len(TimerRepository(conn).claim_due(now + timedelta(minutes=100), 500)) == 100


def _spawn_worker(database_url: str, playbook: Path, *args: str) -> subprocess.Popen[str]:
    env = os.environ | {"BATON_DATABASE_URL": database_url, "BATON_PLAYBOOK": str(playbook)}
    return subprocess.Popen(
        [sys.executable, "-m", "baton.cli.main", "worker", "--interval", "0.1", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _open_many(baton, count: int) -> list[int]:
    """Tickets opened a week before the real now: every threshold is due for the worker."""
    return [baton.tickets.open("amara", new_ticket("medium", f"Customer {i % 40}")).ticket.id for i in range(count)]


def _threshold_counts(baton) -> Counter[tuple[int, str, int]]:
    with baton.engine.connect() as conn:
        rows = conn.execute(
            select(t.ticket_events.c.ticket_id, t.ticket_events.c.type, t.ticket_events.c.payload).where(
                t.ticket_events.c.type.in_(["SlaThresholdReached", "SlaBreached"])
            )
        ).all()
    return Counter((r.ticket_id, r.payload["target"], r.payload.get("percent", 100)) for r in rows)


def _pending(baton) -> int:
    with baton.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.sla_timers)).scalar_one())


EVERY_THRESHOLD = {(target, p) for target in ("first_response", "resolution") for p in (50, 80, 100)}


def test_a_worker_killed_mid_sweep_and_restarted_loses_and_duplicates_nothing(baton, database_url, playbook_path):
    ids = _open_many(baton, 240)
    worker = _spawn_worker(database_url, playbook_path, "--batch", "20")
    deadline = time.monotonic() + 60
    while not _threshold_counts(baton) and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=10)
    assert worker.returncode == -signal.SIGKILL
    before_restart = _threshold_counts(baton)
    assert 0 < len({key[0] for key in before_restart}) < len(ids), "the kill should land mid-way"
    again = _spawn_worker(database_url, playbook_path, "--batch", "20", "--once")
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0, out
    counts = _threshold_counts(baton)
    assert max(counts.values()) == 1, "a threshold was recorded twice"
    for ticket_id in ids:
        assert {(target, p) for (tid, target, p) in counts if tid == ticket_id} == EVERY_THRESHOLD
    assert _pending(baton) == 0  # both targets breached: nothing is left to fire


@pytest.mark.postgres
def test_two_workers_on_postgres_never_fire_one_timer_twice(postgres_baton, postgres_database, playbook_path):
    baton = postgres_baton
    ids = _open_many(baton, 300)
    workers = [_spawn_worker(postgres_database, playbook_path, "--batch", "5", "--once") for _ in range(2)]
    outputs = [w.communicate(timeout=180)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    fired = [int(o.rsplit("fired timers on ", 1)[1].split()[0]) for o in outputs]
    assert all(n > 0 for n in fired), f"both workers should have taken a share: {fired}"
    counts = _threshold_counts(baton)
    assert max(counts.values()) == 1, "a threshold was recorded twice"
    for ticket_id in ids:
        assert {(target, p) for (tid, target, p) in counts if tid == ticket_id} == EVERY_THRESHOLD


def test_a_customer_moving_tier_retargets_the_clocks_of_their_open_tickets(client, auth, clock):
    h = auth("amara")
    body = {
        "subject": "API returns 429",
        "body": "429 at 40 requests a minute.",
        "severity": "high",
        "category": "api",
        "customer": {"name": "Bluefin Analytics", "tier": "business"},
    }
    first = client.post("/api/v1/tickets", json=body, headers=h).json()
    second = client.post("/api/v1/tickets", json=body | {"subject": "Webhooks late"}, headers=h).json()
    client.post(f"/api/v1/tickets/{second['id']}/resolve", json={"resolution": "Replayed them"}, headers=h)
    clock.advance(timedelta(minutes=20))
    moved = client.patch(
        f"/api/v1/customers/{first['customer_id']}",
        json={"tier": "enterprise", "reason": "signed"},
        headers=auth("priya"),  # a lead: a customer's plan is configuration
    )
    assert moved.status_code == 200 and moved.json()["tier"] == "enterprise"
    ticket = client.get(f"/api/v1/tickets/{first['id']}", headers=h).json()
    assert ticket["customer_tier"] == "enterprise"
    clocks = {c["target"]: c for c in ticket["sla"]}
    assert clocks["first_response"]["policy"] == "high-enterprise"
    assert clocks["first_response"]["target_seconds"] == 1800
    assert clocks["first_response"]["elapsed_seconds"] == 1200  # the time already spent is kept
    resolved = client.get(f"/api/v1/tickets/{second['id']}", headers=h).json()
    assert resolved["customer_tier"] == "business"  # resolved tickets keep the tier they had
    bad = client.patch(f"/api/v1/customers/{first['customer_id']}", json={"tier": "gold"}, headers=auth("priya"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "tier"
