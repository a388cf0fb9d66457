"""`baton audit verify` and `baton audit anchor` as a script would use them, on a
simulated history; `baton audit FILE` is in test_cli_analytics.py."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from baton.demo.simulate import simulate
from baton.playbook import load_playbook
from baton.services.playbooks import install_playbook
from baton.settings import EXAMPLE_PLAYBOOK
from baton.store import tables as t
from baton.store.db import make_engine
from baton.store.migrate import upgrade
from tests.cli import baton_cli

e = t.ticket_events.c


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few days of simulated work, migrated and filled once."""
    db = tmp_path_factory.mktemp("audit") / "baton.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    install_playbook(engine, playbook, EXAMPLE_PLAYBOOK.read_text(), datetime(2026, 11, 1, tzinfo=UTC))
    simulate(engine, playbook, days=4, seed=7, end=date(2026, 11, 20))
    engine.dispose()
    return db


@pytest.fixture
def db(history: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "baton.db"
    copy.write_bytes(history.read_bytes())
    return copy


def _counts(db: Path) -> tuple[int, int, int]:
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        tickets = conn.execute(select(func.count()).select_from(t.tickets)).scalar_one()
        events = conn.execute(select(func.count()).select_from(t.ticket_events)).scalar_one()
        victim = conn.execute(select(e.ticket_id).where(e.seq == 4).order_by(e.ticket_id).limit(1)).scalar_one()
    engine.dispose()
    return tickets, events, victim


def test_a_clean_history_verifies_and_says_how_much_it_checked(db):
    tickets, events, _ = _counts(db)
    result = baton_cli("audit", "verify", db=db)
    assert result.returncode == 0, result.stderr
    assert f"verified: {tickets} tickets, {events} events" in result.stdout
    body = json.loads(baton_cli("audit", "verify", "--json", db=db).stdout)
    assert body["verified"] is True and (body["tickets_checked"], body["events_checked"]) == (tickets, events)


def test_tampering_exits_1_naming_ticket_kind_and_positions(db):
    _, _, victim = _counts(db)
    anchored = baton_cli("audit", "anchor", db=db)
    assert anchored.returncode == 0, anchored.stderr
    token = anchored.stdout.splitlines()[-1]
    assert token.startswith("1:") and len(token) == 66
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(update(t.ticket_events).where(e.ticket_id == victim, e.seq == 2).values(actor="mallory"))
        last = conn.execute(select(func.max(e.seq)).where(e.ticket_id == victim)).scalar_one()
        conn.execute(delete(t.ticket_events).where(e.ticket_id == victim, e.seq >= last - 1))
    engine.dispose()
    result = baton_cli("audit", "verify", "--anchor", token, db=db)
    assert result.returncode == 1
    assert f"ticket {victim}: edited at 2: its content does not match its hash" in result.stdout
    assert f"ticket {victim}: deleted at {last - 1}-{last}: gone: the anchor saw the trail reach it" in result.stdout
    assert "DOES NOT VERIFY" in result.stdout and "1 ticket(s) with problems" in result.stderr
    body = json.loads(baton_cli("audit", "verify", "--json", db=db).stdout)
    [failing] = body["tickets"]
    assert failing["ticket_id"] == victim
    assert [(p["position"], p["kind"]) for p in failing["problems"]] == [(2, "edited"), (last - 1, "deleted"),
                                                                          (last, "deleted")]  # fmt: skip
    again = baton_cli("audit", "anchor", db=db)
    assert again.returncode == 0 and f"ticket {victim} no longer holds the head" in again.stderr


def test_a_deleted_last_anchor_is_found_against_the_copy_kept_outside(db):
    token = baton_cli("audit", "anchor", db=db).stdout.splitlines()[-1]
    assert baton_cli("audit", "anchor", db=db).stdout.strip() == "nothing new to anchor since the last anchor"
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(delete(t.audit_anchor_heads))
        conn.execute(delete(t.audit_anchors))
    engine.dispose()
    result = baton_cli("audit", "verify", "--anchor", token, db=db)
    assert result.returncode == 1 and "anchor: deleted at 1" in result.stdout
    bad = baton_cli("audit", "verify", "--anchor", "nonsense", db=db)
    assert bad.returncode == 1 and "--anchor takes ID:DIGEST" in bad.stderr
