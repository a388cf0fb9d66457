"""`baton token create | list | revoke` as an admin runs them: a real process on a SQLite
file. The command runs on the system clock, so expectations are read back from the
database (an expiry is its creation plus the duration asked for), never from today."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from baton.core.errors import NotFound
from baton.core.policy import TokenScope
from baton.services.tokens import holder_for_token, list_tokens
from baton.store.db import make_engine
from tests.cli import baton_cli


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "baton.db"
    assert baton_cli("db", "upgrade", db=path).returncode == 0
    return path


def _tokens(db: Path):
    engine = make_engine(f"sqlite:///{db}")
    try:
        return engine, {t.id: t for t in list_tokens(engine)}
    finally:
        engine.dispose()


def test_a_token_lasts_ninety_days_unless_told_otherwise(db):
    default = baton_cli("token", "create", "--agent", "amara", "--label", "laptop", db=db)
    short = baton_cli("token", "create", "--agent", "amara", "--expires", "12h", db=db)
    forever = baton_cli("token", "create", "--agent", "priya", "--expires", "never", db=db)

    assert [r.returncode for r in (default, short, forever)] == [0, 0, 0], default.stderr
    _, tokens = _tokens(db)
    first, second, third = tokens[1], tokens[2], tokens[3]
    assert first.expires_at == first.created_at + timedelta(days=90)
    assert second.expires_at == second.created_at + timedelta(hours=12)
    assert third.expires_at is None
    assert "token 1 for amara: scope agent, expires" in default.stderr
    assert "expires never" in forever.stderr
    assert default.stdout.strip().startswith("bt_") and len(default.stdout.splitlines()) == 1


def test_scopes_and_integration_tokens(db):
    read = baton_cli("token", "create", "--agent", "amara", "--scope", "read", db=db)
    gateway = baton_cli("token", "create", "--integration", "email-gateway", "--label", "inbound mail", db=db)

    assert read.returncode == 0 and gateway.returncode == 0, gateway.stderr
    engine, tokens = _tokens(db)
    assert tokens[1].scope is TokenScope.READ
    assert (tokens[2].holder, tokens[2].scope) == ("email-gateway", TokenScope.INTEGRATION)
    held = holder_for_token(engine, gateway.stdout.strip(), tokens[2].created_at)
    engine.dispose()
    assert (held.holder, held.scope) == ("email-gateway", TokenScope.INTEGRATION)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--integration", "fax-machine"], "unknown integration 'fax-machine'"),
        (["--agent", "amara", "--scope", "integration"], "use --integration NAME"),
        (["--agent", "amara", "--integration", "email-gateway"], "--agent NAME, or --integration NAME"),
        ([], "--agent NAME, or --integration NAME"),
        (["--agent", "amara", "--expires", "soon"], "expiry 'soon'"),
    ],
)
def test_a_token_that_cannot_be_made_prints_why_and_no_token(db, args, says):
    result = baton_cli("token", "create", *args, db=db)

    assert result.returncode == 1
    assert result.stdout == ""
    assert says in result.stderr


def test_the_list_shows_every_token_but_never_its_secret(db):
    secrets = [
        baton_cli("token", "create", "--agent", a, "--label", f"for {a}", db=db).stdout.strip()
        for a in ("amara", "priya")
    ]
    baton_cli("token", "revoke", "2", db=db)

    table = baton_cli("token", "list", db=db)
    lines = baton_cli("token", "list", "--json", db=db)
    active = baton_cli("token", "list", "--active", "--json", db=db)

    assert table.returncode == 0, table.stderr
    header = table.stdout.splitlines()[0].split()
    assert header[:4] == ["id", "holder", "scope", "label"]
    assert all(secret not in table.stdout + lines.stdout for secret in secrets)
    rows = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [(r["id"], r["holder"], r["state"]) for r in rows] == [(1, "amara", "active"), (2, "priya", "revoked")]
    assert set(rows[0]) == {"id", "holder", "scope", "label", "created", "expires", "last_used", "revoked", "state"}
    assert rows[0]["last_used"] == "never" and rows[0]["revoked"] == "-"
    assert [json.loads(line)["id"] for line in active.stdout.splitlines()] == [1]


def test_revoking_says_what_it_did_once_and_an_unknown_id_is_an_error(db):
    token = baton_cli("token", "create", "--agent", "amara", db=db).stdout.strip()

    first = baton_cli("token", "revoke", "1", db=db)
    again = baton_cli("token", "revoke", "1", db=db)
    unknown = baton_cli("token", "revoke", "42", db=db)

    assert first.returncode == 0 and first.stdout.startswith("revoked token 1 (amara, agent)")
    assert again.returncode == 0 and "token 1 (amara, agent) was already revoked on" in again.stdout
    assert unknown.returncode == 2
    assert "no API token has id 42" in unknown.stderr
    engine, tokens = _tokens(db)
    assert tokens[1].revoked_at is not None
    with pytest.raises(NotFound, match="unknown, revoked or expired"):
        holder_for_token(engine, token, tokens[1].created_at)
    engine.dispose()
