"""Web sessions, apart from API tokens.

Signing in on the web takes an ``agent``-scope API token of an active agent and starts
a session: a row holding the SHA-256 of a new random secret, which only the browser's
cookie holds. The token itself is never kept by the browser. A session ends when its
agent signs out, after ``idle`` without a request, at its absolute end (``absolute``
after signing in, or the token's expiry if sooner), when the token it was started with
is revoked or expires, and when its agent leaves the playbook. ``last_seen_at`` is
written at most once a minute."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from baton.core.audit import ConfigAction
from baton.core.errors import NotFound, NotPermitted
from baton.core.policy import TokenScope
from baton.services.tokens import AttemptLimit, authenticate
from baton.services.unit_of_work import read_only, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from baton.store.repositories.sessions import SessionRow

__all__ = ["SessionLimits", "SignedIn", "WebSession", "session_for", "sign_in", "sign_out"]

PREFIX = "bs_"
SEEN_RECORDED_EVERY = timedelta(minutes=1)
KEPT_AFTER_END = timedelta(days=30)
"""Ended sessions stay this long (who was signed in, from where), then are pruned."""


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta = timedelta(hours=12)
    absolute: timedelta = timedelta(days=7)
    attempts: AttemptLimit = field(default_factory=AttemptLimit)
    """Failed sign-ins per client address, counted with failed bearer tokens."""


@dataclass(frozen=True)
class WebSession:
    id: int
    agent: str
    token_id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    secret: str
    """For the cookie alone; the row keeps its hash."""
    session: WebSession


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def sign_in(
    engine: Engine, token: str, now: datetime, limits: SessionLimits, *, address: str = "", user_agent: str = ""
) -> SignedIn:
    """A new session for the agent holding ``token``. An unknown, revoked or expired token
    is :class:`NotFound` (and counted against ``address``); a token of another scope is
    :class:`NotPermitted`; an address over the limit is ``TooManyAttempts``."""
    holder = authenticate(engine, token, now, address, limits.attempts)
    if holder.scope is not TokenScope.AGENT:
        raise NotPermitted(f"a {holder.scope.value} token cannot sign in on the web: use an agent token")
    secret = PREFIX + secrets.token_urlsafe(32)
    with unit_of_work(engine) as uow:
        token_row = uow.tokens.get(holder.token_id)
        if token_row is None:  # pragma: no cover - tokens are never deleted
            raise NotFound("unknown, revoked or expired API token")
        end = now + limits.absolute
        if token_row.expires_at is not None:
            end = min(end, token_row.expires_at)
        uow.sessions.prune(now - KEPT_AFTER_END)
        row = uow.sessions.add(secret_hash(secret), holder.holder, holder.token_id, now, end, user_agent, address)
        details = {"token": holder.token_id, "address": address, "expires_at": end.isoformat()}
        uow.audit_log.record(now, holder.holder, ConfigAction.SESSION_STARTED, f"session:{row.id}", details)
    return SignedIn(secret, _session(row))


def session_for(engine: Engine, secret: str, now: datetime, limits: SessionLimits) -> WebSession | None:
    """The session whose cookie holds ``secret``, if it is still on at ``now``."""
    with read_only(engine) as uow:
        row = uow.sessions.live(secret_hash(secret), now, idle_since=now - limits.idle)
    if row is None:
        return None
    if row.last_seen_at <= now - SEEN_RECORDED_EVERY:
        with unit_of_work(engine) as uow:
            uow.sessions.seen(row.id, now)
    return _session(row)


def sign_out(engine: Engine, secret: str, now: datetime) -> bool:
    """End the session whose cookie holds ``secret``; False when none was on."""
    with unit_of_work(engine) as uow:
        ended = uow.sessions.revoke(secret_hash(secret), now)
        if ended is not None:
            details = {"token": ended.token_id}
            uow.audit_log.record(now, ended.agent, ConfigAction.SESSION_ENDED, f"session:{ended.id}", details)
    return ended is not None


def _session(row: SessionRow) -> WebSession:
    return WebSession(row.id, row.agent, row.token_id, row.created_at, row.last_seen_at, row.expires_at)
