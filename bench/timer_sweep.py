"""Timer sweep at scale: 10,000 due SLA timers among 1,000,000 open ones, on SQLite
and PostgreSQL. Reports the claim query (only due rows, through the index), the
full firing of every due timer by the worker's own code, and beside them the peer
approach Baton avoids: a sweep that reads every open ticket.

Sizes: BATON_BENCH_OPEN (default 1,000,000) and BATON_BENCH_DUE (default 10,000).
PostgreSQL: BATON_TEST_POSTGRES_URL (default the local test server)."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from baton.playbook import load_playbook
from baton.services.clock import FixedClock
from baton.services.playbooks import install_playbook
from baton.services.tickets import NewCustomer, NewTicket, TicketService
from baton.settings import EXAMPLE_PLAYBOOK
from baton.store import tables as t
from baton.store.db import make_engine
from baton.store.migrate import upgrade
from baton.store.unit_of_work import units_of

OPEN = int(os.environ.get("BATON_BENCH_OPEN", "1000000"))
DUE = int(os.environ.get("BATON_BENCH_DUE", "10000"))
POSTGRES = os.environ.get("BATON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 11, 16, 9, tzinfo=UTC)
COLUMNS = [c.name for c in t.tickets.columns]
JSON_COLUMNS = ("page_context", "consulted", "informed", "sla_clocks")


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        yield engine
        engine.dispose()


@contextmanager
def postgres_engine() -> Iterator[Engine]:
    name = f"baton_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(POSTGRES).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _template(service: TicketService) -> dict[str, Any]:
    new = NewTicket(
        subject="Dashboards take over a minute to load",
        body="Every dashboard takes 60-90 seconds since Monday.",
        severity="medium",
        category="performance",
        channel="email",
        customer=NewCustomer("Bench Co", "business"),
    )
    ticket_id = service.open("intake", new).ticket.id
    with service.engine.connect() as conn:
        row = conn.execute(select(t.tickets).where(t.tickets.c.id == ticket_id)).mappings().one()
        conn.execute(t.sla_timers.delete())
        conn.execute(t.ticket_events.delete())
        conn.execute(t.tickets.delete())
        conn.commit()
    return dict(row)


def _fill(engine: Engine, template: dict[str, Any]) -> None:
    """OPEN tickets copied from a real one; the first DUE have their timer due now."""
    due_at = T0 + timedelta(hours=2)
    later = T0 + timedelta(days=30)
    if engine.dialect.name == "postgresql":
        import json

        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:  # type: ignore[attr-defined]
                names = ", ".join(COLUMNS)
                with cur.copy(f"COPY tickets ({names}) FROM STDIN") as copy:
                    for i in range(1, OPEN + 1):
                        row = template | {"id": i}
                        copy.write_row([json.dumps(row[c]) if c in JSON_COLUMNS else row[c] for c in COLUMNS])
                with cur.copy("COPY sla_timers (ticket_id, due_at) FROM STDIN") as copy:
                    for i in range(1, OPEN + 1):
                        copy.write_row([i, due_at if i <= DUE else later + timedelta(seconds=i)])
                cur.execute(f"SELECT setval('tickets_id_seq', {OPEN})")
            raw.commit()
        finally:
            raw.close()
        with engine.connect() as conn:
            conn.execute(text("ANALYZE tickets"))
            conn.execute(text("ANALYZE sla_timers"))
            conn.commit()
        return
    with engine.begin() as conn:
        chunk = 50_000
        for first in range(1, OPEN + 1, chunk):
            ids = range(first, min(first + chunk, OPEN + 1))
            conn.execute(t.tickets.insert(), [template | {"id": i} for i in ids])
            timers = [{"ticket_id": i, "due_at": due_at if i <= DUE else later + timedelta(seconds=i)} for i in ids]
            conn.execute(t.sla_timers.insert(), timers)


def run(engine: Engine) -> dict[str, float]:
    upgrade(engine)
    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    clock = FixedClock(T0)
    install_playbook(engine, playbook, EXAMPLE_PLAYBOOK.read_text(), T0)
    service = TicketService(units_of(engine), playbook, clock)
    template = _template(service)
    began = time.perf_counter()
    _fill(engine, template)
    filled = time.perf_counter() - began
    clock.set(T0 + timedelta(hours=5))
    with engine.connect() as conn:
        from baton.store.repositories.timers import TimerRepository

        began = time.perf_counter()
        claimed = len(TimerRepository(conn).claim_due(clock.now(), OPEN))
        claim = time.perf_counter() - began
        conn.rollback()
        began = time.perf_counter()
        scanned = sum(1 for _ in conn.execute(select(t.tickets.c.id, t.tickets.c.sla_clocks)))
        full_scan = time.perf_counter() - began
    began = time.perf_counter()
    fired = 0
    while batch := service.fire_due_timers(limit=500):
        fired += batch
    sweep = time.perf_counter() - began
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(t.ticket_events)).scalar_one()
    assert claimed == DUE and fired == DUE and scanned == OPEN
    return {"fill": filled, "claim": claim, "sweep": sweep, "full_scan": full_scan, "events": events}


def main() -> None:
    print(f"\n## Timer sweep: {DUE:,} due SLA timers among {OPEN:,} open ones")
    for name, engine_of in (("SQLite", sqlite_engine), ("PostgreSQL", postgres_engine)):
        with engine_of() as engine:
            r = run(engine)
        print(
            f"\n{name}: filled in {r['fill']:.1f} s\n"
            f"  claim query for the due rows     {r['claim'] * 1000:9.1f} ms\n"
            f"  fire all {DUE:,} due timers         {r['sweep']:9.2f} s "
            f"({DUE / r['sweep']:,.0f} tickets/s, {r['events']:,} events written)\n"
            f"  peer: read every open ticket     {r['full_scan']:9.2f} s "
            f"(a sweep that scans is {r['full_scan'] / r['claim']:,.0f}x slower to find the due ones)"
        )
