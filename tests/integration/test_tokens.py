"""API tokens, web sessions and the failed-attempt limit on SQLite and PostgreSQL: scopes,
expiry, revocation, the list, last use written at most once a minute, sessions' idle and
absolute ends, and one limit shared by every process on the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from baton.core.audit import ConfigAction
from baton.core.errors import InvalidCommand, NotFound, NotPermitted
from baton.core.policy import TokenScope
from baton.services.sessions import SessionLimits, session_for, sign_in, sign_out
from baton.services.tokens import (
    USE_RECORDED_EVERY,
    AttemptLimit,
    TokenHolder,
    TooManyAttempts,
    attempt_allowed,
    authenticate,
    holder_for_token,
    issue_token,
    list_tokens,
    revoke_token,
    token_hash,
)
from baton.services.unit_of_work import read_only, unit_of_work
from baton.store import tables as t
from baton.store.db import make_engine
from baton.store.migrate import upgrade
from tests.conftest import START

INTEGRATIONS = ("email-gateway", "web-widget")
LIMIT = AttemptLimit(failures=3, window=timedelta(minutes=5))
SESSIONS = SessionLimits(idle=timedelta(hours=12), absolute=timedelta(days=7), attempts=LIMIT)


def _issue(baton, holder="amara", scope=TokenScope.AGENT, expires_in=None, label=""):
    return issue_token(
        baton.engine, holder, START, label, scope=scope, expires_in=expires_in, integrations=INTEGRATIONS
    )


def test_a_token_acts_for_its_agent_with_its_scope_until_it_expires(baton):
    issued = _issue(baton, expires_in=timedelta(days=90))

    held = holder_for_token(baton.engine, issued.secret, START + timedelta(days=89, hours=23))

    assert held == TokenHolder("amara", TokenScope.AGENT, issued.info.id)
    assert issued.info.expires_at == START + timedelta(days=90)
    with pytest.raises(NotFound):
        holder_for_token(baton.engine, issued.secret, START + timedelta(days=90))


def test_a_token_without_expiry_never_expires(baton):
    issued = _issue(baton, scope=TokenScope.READ)

    assert holder_for_token(baton.engine, issued.secret, START + timedelta(days=3650)).scope is TokenScope.READ


def test_only_the_hash_of_a_token_is_stored(baton):
    issued = _issue(baton)

    with baton.engine.connect() as conn:
        stored = conn.execute(select(t.api_tokens.c.token_hash)).scalars().all()
    assert stored == [token_hash(issued.secret)]


def test_an_integration_token_is_held_by_an_integration_the_playbook_declares(baton):
    issued = _issue(baton, holder="email-gateway", scope=TokenScope.INTEGRATION)

    held = holder_for_token(baton.engine, issued.secret, START)

    assert (held.holder, held.scope) == ("email-gateway", TokenScope.INTEGRATION)
    with pytest.raises(InvalidCommand, match="unknown integration 'fax-machine'"):
        _issue(baton, holder="fax-machine", scope=TokenScope.INTEGRATION)
    with pytest.raises(InvalidCommand, match="unknown agent 'email-gateway'"):
        _issue(baton, holder="email-gateway", scope=TokenScope.AGENT)


def test_a_token_of_an_agent_no_longer_in_the_playbook_is_refused(baton):
    issued = _issue(baton)
    with unit_of_work(baton.engine) as uow:
        uow.agents.deactivate(["amara"])

    with pytest.raises(NotFound):
        holder_for_token(baton.engine, issued.secret, START)


def test_a_revoked_token_is_refused_and_revoking_it_again_changes_nothing(baton):
    issued = _issue(baton)
    later = START + timedelta(hours=1)

    first = revoke_token(baton.engine, issued.info.id, later)
    again = revoke_token(baton.engine, issued.info.id, later + timedelta(hours=1))

    assert not first.already and first.info.revoked_at == later
    assert again.already and again.info.revoked_at == later
    with pytest.raises(NotFound):
        holder_for_token(baton.engine, issued.secret, later)
    with pytest.raises(NotFound, match="no API token has id 999"):
        revoke_token(baton.engine, 999, later)


def test_the_list_shows_every_token_and_what_became_of_it(baton):
    kept = _issue(baton, label="laptop", expires_in=timedelta(days=90))
    gone = _issue(baton, holder="priya", label="old script")
    short = _issue(baton, holder="web-widget", scope=TokenScope.INTEGRATION, expires_in=timedelta(hours=12))
    revoke_token(baton.engine, gone.info.id, START)
    holder_for_token(baton.engine, kept.secret, START + timedelta(hours=2))
    tomorrow = START + timedelta(days=1)

    listed = {info.id: info for info in list_tokens(baton.engine)}

    assert [listed[i.info.id].state(tomorrow) for i in (kept, gone, short)] == ["active", "revoked", "expired"]
    assert listed[kept.info.id].label == "laptop" and listed[kept.info.id].holder == "amara"
    assert listed[kept.info.id].last_used_at == START + timedelta(hours=2)
    assert listed[gone.info.id].last_used_at is None
    assert listed[short.info.id].scope is TokenScope.INTEGRATION
    assert all(not hasattr(info, "secret") for info in listed.values())


def test_a_use_is_recorded_at_most_once_a_minute(baton):
    issued = _issue(baton)

    for seconds in (0, 20, 59):
        holder_for_token(baton.engine, issued.secret, START + timedelta(seconds=seconds))
    [once] = list_tokens(baton.engine)
    holder_for_token(baton.engine, issued.secret, START + USE_RECORDED_EVERY)
    [twice] = list_tokens(baton.engine)

    assert once.last_used_at == START
    assert twice.last_used_at == START + USE_RECORDED_EVERY


def test_failed_attempts_from_one_address_are_limited_and_other_addresses_are_not(baton):
    good = _issue(baton).secret
    for second in range(LIMIT.failures):
        with pytest.raises(NotFound):
            authenticate(baton.engine, f"bt_guess-{second}", START + timedelta(seconds=second), "203.0.113.9", LIMIT)

    at = START + timedelta(seconds=10)
    with pytest.raises(TooManyAttempts) as refused:
        authenticate(baton.engine, good, at, "203.0.113.9", LIMIT)

    # the first failure (at START) leaves the window at START + 5 min
    assert refused.value.retry_after == (LIMIT.window - timedelta(seconds=10)).total_seconds()
    assert authenticate(baton.engine, good, at, "198.51.100.7", LIMIT).holder == "amara"
    assert authenticate(baton.engine, good, START + LIMIT.window, "203.0.113.9", LIMIT).holder == "amara"


def test_a_refused_attempt_is_not_counted_and_old_failures_are_pruned(baton):
    for second in range(LIMIT.failures):
        with pytest.raises(NotFound):
            authenticate(baton.engine, "bt_nope", START + timedelta(seconds=second), "203.0.113.9", LIMIT)
    for _ in range(5):
        with pytest.raises(TooManyAttempts):
            authenticate(baton.engine, "bt_nope", START + timedelta(seconds=30), "203.0.113.9", LIMIT)
    with unit_of_work(baton.engine) as uow:
        assert uow.auth_failures.count() == LIMIT.failures

    with pytest.raises(NotFound):
        authenticate(baton.engine, "bt_nope", START + timedelta(minutes=20), "198.51.100.7", LIMIT)

    with unit_of_work(baton.engine) as uow:
        assert uow.auth_failures.count() == 1, "failures older than the window go as a new one comes"


def test_the_limit_is_shared_by_every_process_on_the_database(baton):
    """Two engines on one database stand for two `baton serve` processes."""
    other = make_engine(baton.settings.database_url)
    try:
        for second in range(LIMIT.failures):
            engine = (baton.engine, other)[second % 2]
            with pytest.raises(NotFound):
                authenticate(engine, "bt_nope", START + timedelta(seconds=second), "203.0.113.9", LIMIT)
        with pytest.raises(TooManyAttempts):
            attempt_allowed(other, "203.0.113.9", START + timedelta(seconds=5), LIMIT)
        with pytest.raises(TooManyAttempts):
            attempt_allowed(baton.engine, "203.0.113.9", START + timedelta(seconds=5), LIMIT)
    finally:
        other.dispose()


def test_signing_in_starts_a_session_apart_from_the_token(baton):
    issued = _issue(baton, expires_in=timedelta(days=90))

    signed = sign_in(baton.engine, issued.secret, START, SESSIONS, address="192.0.2.1", user_agent="Chromium")

    assert signed.secret != issued.secret and issued.secret not in signed.secret
    assert signed.session.agent == "amara" and signed.session.token_id == issued.info.id
    assert signed.session.expires_at == START + SESSIONS.absolute
    assert session_for(baton.engine, signed.secret, START + timedelta(hours=1), SESSIONS) is not None
    with baton.engine.connect() as conn:
        row = conn.execute(select(t.web_sessions)).one()
    assert (row.user_agent, row.address) == ("Chromium", "192.0.2.1")
    assert row.secret_hash != signed.secret


def test_only_an_agent_token_signs_in_and_a_bad_one_counts_as_a_failure(baton):
    read = _issue(baton, scope=TokenScope.READ)
    integration = _issue(baton, holder="email-gateway", scope=TokenScope.INTEGRATION)

    for token in (read, integration):
        with pytest.raises(NotPermitted, match="cannot sign in on the web"):
            sign_in(baton.engine, token.secret, START, SESSIONS)
    for _ in range(LIMIT.failures):
        with pytest.raises(NotFound):
            sign_in(baton.engine, "bt_nope", START, SESSIONS, address="203.0.113.9")
    with pytest.raises(TooManyAttempts):
        sign_in(baton.engine, _issue(baton).secret, START, SESSIONS, address="203.0.113.9")


def test_a_session_ends_after_its_idle_time_and_at_its_absolute_end(baton):
    token = _issue(baton).secret
    idle = sign_in(baton.engine, token, START, SESSIONS)
    busy = sign_in(baton.engine, token, START, SESSIONS)

    at = START
    while at + timedelta(hours=6) < START + SESSIONS.absolute:
        at += timedelta(hours=6)
        assert session_for(baton.engine, busy.secret, at, SESSIONS) is not None
    assert session_for(baton.engine, idle.secret, START + SESSIONS.idle, SESSIONS) is None
    assert session_for(baton.engine, busy.secret, START + SESSIONS.absolute, SESSIONS) is None


def test_a_session_never_outlives_its_token(baton):
    issued = _issue(baton, expires_in=timedelta(days=2))

    signed = sign_in(baton.engine, issued.secret, START, SESSIONS)

    assert signed.session.expires_at == START + timedelta(days=2)


def test_signing_out_and_revoking_the_token_end_sessions(baton):
    issued = _issue(baton)
    mine = sign_in(baton.engine, issued.secret, START, SESSIONS)
    other_tab = sign_in(baton.engine, issued.secret, START, SESSIONS)
    later = START + timedelta(minutes=5)

    assert sign_out(baton.engine, mine.secret, later) is True
    assert sign_out(baton.engine, mine.secret, later) is False
    assert session_for(baton.engine, mine.secret, later, SESSIONS) is None
    assert session_for(baton.engine, other_tab.secret, later, SESSIONS) is not None

    done = revoke_token(baton.engine, issued.info.id, later)

    assert done.sessions_ended == 1
    assert session_for(baton.engine, other_tab.secret, later, SESSIONS) is None


def test_a_session_is_seen_at_most_once_a_minute(baton):
    signed = sign_in(baton.engine, _issue(baton).secret, START, SESSIONS)

    for seconds in (10, 59, 60, 90):
        session_for(baton.engine, signed.secret, START + timedelta(seconds=seconds), SESSIONS)

    with baton.engine.connect() as conn:
        seen = conn.execute(select(t.web_sessions.c.last_seen_at)).scalar_one()
    assert seen == START + timedelta(seconds=60)


def test_tokens_and_sessions_are_recorded_in_the_configuration_audit_log(baton):
    issued = issue_token(baton.engine, "amara", START, "laptop", expires_in=timedelta(days=90), actor="operator:kim")
    signed = sign_in(baton.engine, issued.secret, START, SESSIONS, address="192.0.2.1")
    sign_out(baton.engine, signed.secret, START + timedelta(minutes=1))
    revoke_token(baton.engine, issued.info.id, START + timedelta(minutes=2), actor="operator:kim")
    revoke_token(baton.engine, issued.info.id, START + timedelta(minutes=3), actor="operator:kim")  # no change

    with read_only(baton.engine) as uow:
        entries = list(uow.audit_log.entries())

    token, session = f"token:{issued.info.id}", f"session:{signed.session.id}"
    assert [(e.action, e.actor, e.subject) for e in entries] == [
        (ConfigAction.TOKEN_CREATED, "operator:kim", token),
        (ConfigAction.SESSION_STARTED, "amara", session),
        (ConfigAction.SESSION_ENDED, "amara", session),
        (ConfigAction.TOKEN_REVOKED, "operator:kim", token),
    ]
    assert entries[0].details == {
        "holder": "amara",
        "scope": "agent",
        "label": "laptop",
        "expires_at": (START + timedelta(days=90)).isoformat(),
    }
    assert entries[3].details["sessions_ended"] == 0
    assert secret_free(entries, issued.secret, signed.secret)


def secret_free(entries, *secrets):
    text = repr([e.details for e in entries])
    return not any(secret in text for secret in secrets)


def test_tokens_of_the_previous_release_keep_working_as_agent_tokens_that_never_expire(blank_url):
    engine = make_engine(blank_url)
    try:
        upgrade(engine, "0009")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO agents (name, display_name, email, active) VALUES ('amara', 'A', 'a@x', true)")
            )
            conn.execute(
                text(
                    "INSERT INTO api_tokens (agent, token_hash, label, created_at) VALUES ('amara', :hash, 'old', :at)"
                ),
                {"hash": token_hash("bt_from-last-release"), "at": START},
            )

        upgrade(engine)

        held = holder_for_token(engine, "bt_from-last-release", START + timedelta(days=3650))
        assert (held.holder, held.scope) == ("amara", TokenScope.AGENT)
        [info] = list_tokens(engine)
        assert (info.label, info.expires_at, info.revoked_at) == ("old", None, None)
    finally:
        engine.dispose()
