"""The `baton` command as a script would use it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from baton.cli.main import app
from baton.demo.simulate import simulate
from baton.playbook import load_playbook
from baton.services.playbooks import install_playbook
from baton.services.tokens import holder_for_token, list_tokens
from baton.settings import EXAMPLE_PLAYBOOK
from baton.store import tables as t
from baton.store.db import make_engine
from baton.store.migrate import head_revision, upgrade
from tests.cli import baton_cli


def test_db_upgrade_creates_the_schema(tmp_path):
    result = baton_cli("db", "upgrade", db=tmp_path / "new" / "baton.db")
    assert result.returncode == 0, result.stderr
    assert f"revision {head_revision()}" in result.stdout
    assert (tmp_path / "new" / "baton.db").exists()


def test_commands_on_an_unmigrated_database_say_to_run_db_upgrade(tmp_path):
    result = baton_cli("token", "create", "--agent", "amara", db=tmp_path / "baton.db")
    assert result.returncode == 1
    assert "run `baton db upgrade`" in result.stderr
    assert result.stdout == ""


def test_an_unreachable_database_is_a_clear_error(tmp_path):
    result = baton_cli(
        "db",
        "upgrade",
        db=tmp_path / "x.db",
        BATON_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    )
    assert result.returncode == 1
    assert "cannot migrate postgresql+psycopg://nobody@127.0.0.1:1/none" in result.stderr


def test_token_create_prints_the_token_alone_on_stdout(tmp_path):
    db = tmp_path / "baton.db"
    baton_cli("db", "upgrade", db=db)
    result = baton_cli("token", "create", "--agent", "amara", db=db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("bt_")
    engine = make_engine(f"sqlite:///{db}")
    [issued] = list_tokens(engine)
    assert holder_for_token(engine, lines[0], issued.created_at).holder == "amara"
    with engine.connect() as conn:
        stored = conn.execute(select(t.api_tokens.c.token_hash)).scalars().all()
    engine.dispose()
    assert stored and lines[0] not in stored  # only the hash is kept


def test_token_create_for_an_unknown_agent_fails_and_prints_no_token(tmp_path):
    db = tmp_path / "baton.db"
    baton_cli("db", "upgrade", db=db)
    result = baton_cli("token", "create", "--agent", "mallory", db=db)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "unknown agent 'mallory'" in result.stderr


def test_an_invalid_playbook_stops_every_command_with_its_problems(tmp_path):
    db = tmp_path / "baton.db"
    baton_cli("db", "upgrade", db=db)
    bad = tmp_path / "playbook.yaml"
    bad.write_text("name: Broken\nversion: '1'\ntiers: []\n")
    result = baton_cli("token", "create", "--agent", "amara", db=db, BATON_PLAYBOOK=str(bad))
    assert result.returncode == 1
    assert "intake_role: Field required" in result.stderr


def _trail(db: Path) -> list[tuple[object, ...]]:
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                t.ticket_events.c.ticket_id,
                t.ticket_events.c.seq,
                t.ticket_events.c.type,
                t.ticket_events.c.actor,
                t.ticket_events.c.occurred_at,
                t.ticket_events.c.payload,
            ).order_by(t.ticket_events.c.id)
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_the_demo_gives_the_same_history_for_the_same_seed(tmp_path, monkeypatch):
    runner = CliRunner()
    trails = []
    for name, seed in (("a", "11"), ("b", "11"), ("c", "12")):
        db = tmp_path / f"{name}.db"
        monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{db}")
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        result = runner.invoke(app, ["demo", "--days", "5", "--seed", seed, "--end", "2026-11-20"])
        assert result.exit_code == 0, result.output
        assert "Simulated 5 days (2026-11-16 to 2026-11-20)" in result.output
        trails.append(_trail(db))
    assert len(trails[0]) > 200
    assert trails[0] == trails[1]
    assert trails[0] != trails[2]
    again = runner.invoke(app, ["demo", "--days", "5", "--if-empty"])
    assert "skipped" in again.output


def test_the_demo_history_has_every_kind_of_work(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/demo.db")
    upgrade(engine)
    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    install_playbook(engine, playbook, EXAMPLE_PLAYBOOK.read_text(), datetime(2026, 11, 1, tzinfo=UTC))
    simulate(engine, playbook, days=20, seed=7, end=date(2026, 11, 20))
    with engine.connect() as conn:
        kinds = set(conn.execute(select(t.ticket_events.c.type).distinct()).scalars())
        escalation_kinds = set(conn.execute(select(t.escalations.c.kind).distinct()).scalars())
        customer_tiers = set(conn.execute(select(t.tickets.c.customer_tier).distinct()).scalars())
        severities = set(conn.execute(select(t.tickets.c.severity).distinct()).scalars())
        hours = {ts.hour for ts in conn.execute(select(t.tickets.c.created_at)).scalars()}
        weekdays = {ts.weekday() for ts in conn.execute(select(t.tickets.c.created_at)).scalars()}
    engine.dispose()
    assert {
        "TicketOpened",
        "MessageAdded",
        "StatusChanged",
        "TicketEscalated",
        "EscalationBounced",
        "TicketResolved",
        "TicketReopened",
        "TicketClosed",
    } <= kinds
    assert escalation_kinds == {"assist", "handoff"}
    assert customer_tiers == {"enterprise", "business", "starter"}
    assert severities == {"critical", "high", "medium", "low"}
    assert hours <= set(range(8, 18)) and weekdays <= {0, 1, 2, 3, 4}


def test_a_backtest_of_the_example_playbook_on_the_demo_history_is_stable_and_explained(tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{tmp_path}/demo.db")
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    demo = runner.invoke(app, ["demo", "--days", "15", "--end", "2026-11-20", "--triggers-for", "5"])
    assert demo.exit_code == 0, demo.output
    runs = [
        runner.invoke(app, ["playbook", "backtest", str(EXAMPLE_PLAYBOOK), "--since", "3650d", "--json"])
        for _ in range(2)
    ]
    assert runs[0].exit_code == 0, runs[0].output
    first, second = (json.loads(run.output) for run in runs)
    assert first.pop("since") <= second.pop("since")
    assert first == second  # the same history gives the same figures
    report = first
    billing = next(r for r in report["rules"] if r["rule"] == "duplicate-charge-to-billing")
    # Independently: the demo's billing tickets that mention a duplicate charge.
    engine = make_engine(f"sqlite:///{tmp_path}/demo.db")
    with engine.connect() as conn:
        rows = conn.execute(select(t.tickets.c.category, t.tickets.c.subject, t.tickets.c.body)).all()
    engine.dispose()
    expected = sum(
        1 for row in rows if row.category == "billing" and "charged twice" in (row.subject + row.body).lower()
    )
    assert report["tickets"] == len(rows)
    assert billing["tickets"] == expected > 0
    assert billing["escalated_by_hand_later"] <= billing["tickets"]
    text = runner.invoke(app, ["playbook", "backtest", str(EXAMPLE_PLAYBOOK), "--since", "3650d"]).output
    assert "Rules are not replayed into the history" in text and "duplicate-charge-to-billing" in text
    fed = runner.invoke(app, ["playbook", "backtest", str(EXAMPLE_PLAYBOOK), "--since", "3650d", "--json", "--act"])
    assert fed.exit_code == 0, fed.output
    with_actions = json.loads(fed.output)
    assert with_actions["act"] is True and report["act"] is False
    # a rule on the opening fires before any rule acts: the same tickets either way
    assert next(r for r in with_actions["rules"] if r["rule"] == billing["rule"])["tickets"] == billing["tickets"]
    said = runner.invoke(app, ["playbook", "backtest", str(EXAMPLE_PLAYBOOK), "--since", "3650d", "--act"]).output
    assert "fed back into the replay" in said


def test_baton_outbox_shows_what_waits_per_consumer_after_a_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{tmp_path}/outbox.db")
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["outbox"]).output.strip() == "the outbox is empty"
    demo = runner.invoke(app, ["demo", "--days", "3", "--end", "2026-11-20"])
    assert demo.exit_code == 0 and "notifications delivered" in demo.output, demo.output
    shown = runner.invoke(app, ["outbox"]).output.splitlines()
    by_state = {tuple(line.split()[:2]): int(line.split()[2]) for line in shown if not line.startswith("dead")}
    assert by_state[("notification", "delivered")] > 0
    assert ("notification", "pending") not in by_state  # the demo delivered everything it wrote
    assert by_state[("customer", "pending")] > 0  # replies wait for the e-mail channel
