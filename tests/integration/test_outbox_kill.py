"""The outbox under real processes, on SQLite and PostgreSQL: a `baton worker` killed
with SIGKILL half-way through the in-app notifications and restarted loses and
duplicates none, and two workers on PostgreSQL deliver every row once between them.

The rows are written through the services with the fixed test clock (2026-11), so
they are due for the workers, which run on the real clock. Every ticket is resolved
before a worker starts, so no SLA timer can add rows while one runs: the count of
notification rows is known before the first worker starts."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.engine import make_url

from baton.core import commands as cmd
from baton.core.playbook import EscalationKind
from baton.services.tickets import NewCustomer, NewTicket
from baton.store import tables as t
from baton.store.outbox_tables import notifications, outbox, outbox_attempts

TICKETS = 200
PER_TICKET = 4  # the handoff tells the role's three members, the resolution tells amara
BATCH = "5"
NOTE = {
    "summary": "The date filter shows last month",
    "steps_tried": "Cleared the cache, another browser",
    "error_messages": "none",
    "configuration": "dashboard 'Sales', timezone Europe/Lisbon",
    "desired_outcome": "'This month' shows November",
}


def _spawn_worker(database_url: str, playbook: Path, model: Path, *args: str) -> subprocess.Popen[str]:
    env = os.environ | {
        "BATON_DATABASE_URL": database_url,
        "BATON_PLAYBOOK": str(playbook),
        "BATON_MODEL_PATH": str(model),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "baton.cli.main", "worker", "--batch", BATCH, "--interval", "0.05", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _write_notifications(baton, tickets: int = TICKETS) -> set[str]:
    """Open, hand off to product-specialist (three members, no rotation) and resolve
    each ticket: four notification rows a ticket. Returns their keys."""
    for i in range(tickets):
        opened = baton.tickets.open(
            "amara",
            NewTicket(
                subject=f"Date filter shows last month ({i})",
                body="'This month' shows October.",
                severity="medium",
                category="bug",
                channel="email",
                customer=NewCustomer(f"Customer {i % 40}", "business"),
            ),
        ).ticket
        handed = baton.tickets.execute(
            "amara",
            opened.id,
            cmd.Escalate(EscalationKind.HANDOFF, "product-specialist", "needs a product specialist", NOTE),
        ).ticket
        baton.tickets.execute(handed.ownership.responsible_agent, opened.id, cmd.Resolve("Fixed the filter"))
    with baton.engine.connect() as conn:
        keys = set(conn.execute(select(outbox.c.key).where(outbox.c.consumer == "notification")).scalars())
        assert conn.execute(select(func.count()).select_from(t.sla_timers)).scalar_one() == 0
    assert len(keys) == tickets * PER_TICKET
    return keys


def _statuses(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.status, func.count()).where(outbox.c.consumer == "notification").group_by(outbox.c.status)
        ).all()
    return Counter({str(status): int(n) for status, n in rows})


def _notification_keys(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(notifications.c.key)).scalars())


def _leased(engine: Engine) -> set[int]:
    """Rows claimed (an attempt counted) but not yet recorded: in a dispatcher's hands."""
    c = outbox.c
    with engine.connect() as conn:
        query = select(c.id).where(c.consumer == "notification", c.status == "pending", c.attempts > 0)
        return set(conn.execute(query).scalars())


def _attempts(engine: Engine) -> tuple[dict[int, int], dict[int, int]]:
    """Per notification row: attempts counted by claims, and attempts recorded."""
    with engine.connect() as conn:
        claimed = conn.execute(select(outbox.c.id, outbox.c.attempts).where(outbox.c.consumer == "notification"))
        recorded = conn.execute(
            select(outbox_attempts.c.outbox_id, func.count())
            .join(outbox, outbox.c.id == outbox_attempts.c.outbox_id)
            .where(outbox.c.consumer == "notification")
            .group_by(outbox_attempts.c.outbox_id)
        )
        return {int(k): int(v) for k, v in claimed}, {int(k): int(v) for k, v in recorded}


def _assert_all_delivered_once(engine: Engine, keys: set[str]) -> dict[int, int]:
    """Every notification row delivered, one notification per key, an attempt recorded
    for each row. Returns the attempts counted per row."""
    assert _statuses(engine) == Counter({"delivered": len(keys)})
    stored = _notification_keys(engine)
    assert len(stored) == len(keys), "a notification was lost or stored twice"
    assert Counter(stored).most_common(1)[0][1] == 1
    assert set(stored) == keys
    claimed, recorded = _attempts(engine)
    assert set(recorded) == set(claimed) and min(recorded.values()) >= 1, "a delivery was not recorded"
    return claimed


def _mid_way(delivered: int, total: int) -> bool:
    """Past a few batches and inside one (so the kill likely finds rows in hand), or half-way."""
    return (delivered > 8 * int(BATCH) and delivered % int(BATCH) != 0) or delivered >= total // 2


def _run_once(database_url: str, playbook: Path, model: Path) -> str:
    worker = _spawn_worker(database_url, playbook, model, "--once")
    out, _ = worker.communicate(timeout=180)
    assert worker.returncode == 0, out
    return out


def test_a_worker_killed_mid_delivery_and_restarted_loses_and_duplicates_no_notification(
    baton, database_url, playbook_path, tmp_path
):
    model = tmp_path / "models" / "classifier.pkl"
    keys = _write_notifications(baton)
    total = len(keys)
    worker = _spawn_worker(database_url, playbook_path, model)
    deadline = time.monotonic() + 90
    while not _mid_way(_statuses(baton.engine)["delivered"], total) and worker.poll() is None:
        assert time.monotonic() < deadline, "the worker did not get going in time"
        time.sleep(0.005)
    worker.send_signal(signal.SIGKILL)
    out, _ = worker.communicate(timeout=10)
    assert worker.returncode == -signal.SIGKILL, out

    delivered_at_kill = _statuses(baton.engine)["delivered"]
    stored_at_kill = len(_notification_keys(baton.engine))
    leased_at_kill = _leased(baton.engine)
    assert 0 < delivered_at_kill < total, f"the kill should land mid-way: {delivered_at_kill} of {total}"
    # In-app notifications are stored in the transaction that records the delivery:
    # never one without the other; the rest of the killed batch is claimed and untouched.
    assert stored_at_kill == delivered_at_kill
    assert len(leased_at_kill) <= int(BATCH)

    # A restarted worker delivers the rest, and leaves the dead worker's leased rows
    # alone until their lease (two minutes of the real clock) runs out.
    _run_once(database_url, playbook_path, model)
    still_leased = _leased(baton.engine)
    assert still_leased <= leased_at_kill
    assert _statuses(baton.engine)["pending"] == len(still_leased)

    # The lease runs out: put the leased rows back to the fixed clock's time, long past.
    if still_leased:
        with baton.engine.begin() as conn:
            due_again = update(outbox).where(outbox.c.id.in_(still_leased)).values(next_attempt_at=baton.clock.now())
            conn.execute(due_again)
        _run_once(database_url, playbook_path, model)

    claimed = _assert_all_delivered_once(baton.engine, keys)
    redelivered = {row for row, n in claimed.items() if n > 1}
    assert redelivered == leased_at_kill  # claimed by the killed worker and again after it
    print(
        f"\n{baton.engine.dialect.name}: N={total}, delivered at kill={delivered_at_kill}, "
        f"stored at kill={stored_at_kill}, leased at kill={len(leased_at_kill)}, "
        f"left to the lease={len(still_leased)}, redelivered={len(redelivered)}"
    )


def _delivered_by(output: str) -> int:
    return sum(int(n) for n in re.findall(r"outbox: (\d+) delivered", output))


@pytest.mark.postgres
def test_two_workers_on_postgres_deliver_every_notification_once(
    postgres_baton, postgres_database, playbook_path, tmp_path
):
    baton = postgres_baton
    model = tmp_path / "models" / "classifier.pkl"
    keys = _write_notifications(baton)
    names = ("baton-outbox-a", "baton-outbox-b")
    # Hold the outbox locked until both workers are waiting in their first claim, so
    # both start on the same rows at once and each takes a batch of its own.
    with baton.engine.connect() as holder:
        holder.execute(text("LOCK TABLE outbox IN EXCLUSIVE MODE"))
        workers = [
            _spawn_worker(
                make_url(postgres_database)
                .update_query_dict({"application_name": name})
                .render_as_string(hide_password=False),
                playbook_path,
                model,
                "--once",
            )
            for name in names
        ]
        deadline = time.monotonic() + 90
        waiting = 0
        while waiting < 2 and time.monotonic() < deadline and all(w.poll() is None for w in workers):
            time.sleep(0.02)
            with baton.engine.connect() as conn:
                waiting = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name IN (:a, :b) "
                        "AND wait_event_type = 'Lock' AND query ILIKE '%FROM outbox%FOR UPDATE%'"
                    ),
                    {"a": names[0], "b": names[1]},
                ).scalar_one()
        holder.commit()
    outputs = [w.communicate(timeout=180)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert waiting == 2, "both workers should have waited on the lock"
    shares = [_delivered_by(o) for o in outputs]
    assert sum(shares) == len(keys), shares
    assert all(n >= int(BATCH) for n in shares), f"both workers should have taken a share: {shares}"
    claimed = _assert_all_delivered_once(baton.engine, keys)
    assert set(claimed.values()) == {1}, "a row was claimed twice"
    _, recorded = _attempts(baton.engine)
    assert set(recorded.values()) == {1}
    print(f"\nN={len(keys)}, shares={shares}")
