"""API tokens: random, shown once, stored as a SHA-256 hash.

A token is held by an agent (scopes ``agent`` and ``read``) or by an integration the
playbook declares (scope ``integration``). It may expire; its last use is recorded at
most once a minute; revoking it also ends the web sessions signed in with it. Failed
attempts to use one are counted per client address in the database, so every
``baton serve`` process sees the same count (:class:`AttemptLimit`)."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from baton.core.audit import ConfigAction
from baton.core.errors import FieldError, InvalidCommand, NotFound
from baton.core.policy import TokenScope, operator
from baton.services.unit_of_work import read_only, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from baton.store.repositories.tokens import TokenRow
    from baton.store.unit_of_work import SqlUnitOfWork

__all__ = [
    "DEFAULT_EXPIRY",
    "PREFIX",
    "AttemptLimit",
    "IssuedToken",
    "Revocation",
    "TokenHolder",
    "TokenInfo",
    "TooManyAttempts",
    "attempt_allowed",
    "authenticate",
    "create_token",
    "holder_for_token",
    "issue_token",
    "list_tokens",
    "parse_expiry",
    "record_failed_attempt",
    "revoke_token",
    "token_hash",
]

PREFIX = "bt_"
OPERATOR = operator().name
"""Who creates and revokes tokens unless told: whoever runs Baton's commands on its server."""
DEFAULT_EXPIRY = "90d"
"""What ``baton token create`` gives a token unless told otherwise."""
USE_RECORDED_EVERY = timedelta(minutes=1)
"""A token's ``last_used_at`` is written at most this often: a use is no write."""

_DURATION = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


@dataclass(frozen=True)
class TokenHolder:
    """Who a valid token acts for, and with what scope."""

    holder: str
    scope: TokenScope
    token_id: int


@dataclass(frozen=True)
class TokenInfo:
    """A token as ``baton token list`` shows it: everything but the secret."""

    id: int
    holder: str
    scope: TokenScope
    label: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class IssuedToken:
    secret: str
    """Shown once; only its hash is kept."""
    info: TokenInfo


@dataclass(frozen=True)
class Revocation:
    info: TokenInfo
    already: bool
    """It had been revoked before: nothing changed."""
    sessions_ended: int


@dataclass(frozen=True)
class AttemptLimit:
    """At most ``failures`` failed sign-ins or bearer tokens per client address within
    ``window``; past it every attempt from the address is refused until the oldest
    failure in the window is older than the window."""

    failures: int = 10
    window: timedelta = timedelta(minutes=5)


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed attempts: retry in {retry_after} s")
        self.retry_after = retry_after
        """Seconds until an attempt is counted again (the ``Retry-After`` header)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_expiry(text: str) -> timedelta | None:
    """``90d``, ``12h``, ``30m``, ``2w`` (or ``1d12h``) as a duration; ``never`` as None."""
    spoken = text.strip().lower()
    if spoken == "never":
        return None
    parts = _DURATION.findall(spoken)
    if not parts or _DURATION.sub("", spoken).strip():
        reason = "give a duration such as 90d, 12h or 30m, or 'never'"
        raise InvalidCommand(f"expiry {text!r}: {reason}", (FieldError("expires", reason),))
    total = sum((_UNITS[unit] * int(count) for count, unit in parts), timedelta())
    if total <= timedelta():
        reason = "a token must last longer than nothing"
        raise InvalidCommand(f"expiry {text!r}: {reason}", (FieldError("expires", reason),))
    return total


def issue_token(
    engine: Engine,
    holder: str,
    now: datetime,
    label: str = "",
    *,
    scope: TokenScope = TokenScope.AGENT,
    expires_in: timedelta | None = None,
    integrations: Collection[str] = (),
    actor: str = OPERATOR,
) -> IssuedToken:
    """A new token for ``holder``: an active agent for scopes agent and read, one of
    ``integrations`` (the playbook's) for scope integration; ``expires_in`` None never
    expires. Recorded in the configuration audit log as done by ``actor``."""
    secret = PREFIX + secrets.token_urlsafe(32)
    expires_at = None if expires_in is None else now + expires_in
    with unit_of_work(engine) as uow:
        if scope is TokenScope.INTEGRATION:
            if holder not in integrations:
                known = ", ".join(sorted(integrations)) or "none"
                reason = f"the playbook declares {known} (access.integrations)"
                raise InvalidCommand(f"unknown integration {holder!r}: {reason}", (FieldError("integration", reason),))
        elif not uow.agents.is_active(holder):
            reason = "not in the running playbook"
            raise InvalidCommand(f"unknown agent {holder!r}: {reason}", (FieldError("agent", reason),))
        token_id = uow.tokens.add(holder, scope.value, token_hash(secret), label, now, expires_at)
        details = {
            "holder": holder,
            "scope": scope.value,
            "label": label,
            "expires_at": None if expires_at is None else expires_at.isoformat(),
        }
        uow.audit_log.record(now, actor, ConfigAction.TOKEN_CREATED, f"token:{token_id}", details)
    info = TokenInfo(token_id, holder, scope, label, now, expires_at, None, None)
    return IssuedToken(secret, info)


def create_token(
    engine: Engine,
    holder: str,
    now: datetime,
    label: str = "",
    *,
    scope: TokenScope = TokenScope.AGENT,
    expires_in: timedelta | None = None,
    integrations: Collection[str] = (),
) -> str:
    """The secret of a new token (see :func:`issue_token`); only its hash is kept."""
    issued = issue_token(engine, holder, now, label, scope=scope, expires_in=expires_in, integrations=integrations)
    return issued.secret


def list_tokens(engine: Engine) -> list[TokenInfo]:
    """Every token ever issued, oldest first: revoked and expired ones too."""
    with read_only(engine) as uow:
        return [_info(row) for row in uow.tokens.listed()]


def revoke_token(engine: Engine, token_id: int, now: datetime, actor: str = OPERATOR) -> Revocation:
    """Revoke the token and end every web session signed in with it, recorded in the
    configuration audit log as done by ``actor``; revoking a revoked token changes
    nothing. An unknown id is :class:`NotFound`."""
    with unit_of_work(engine) as uow:
        row = uow.tokens.get(token_id)
        if row is None:
            raise NotFound(f"no API token has id {token_id}")
        if row.revoked_at is not None:
            return Revocation(_info(row), already=True, sessions_ended=0)
        uow.tokens.revoke(token_id, now)
        ended = uow.sessions.revoke_of_token(token_id, now)
        details = {"holder": row.holder, "scope": row.scope, "label": row.label, "sessions_ended": ended}
        uow.audit_log.record(now, actor, ConfigAction.TOKEN_REVOKED, f"token:{token_id}", details)
        revoked = uow.tokens.get(token_id)
    assert revoked is not None
    return Revocation(_info(revoked), already=False, sessions_ended=ended)


def holder_for_token(engine: Engine, token: str, now: datetime) -> TokenHolder:
    """Who ``token`` acts for at ``now``. Unknown, revoked and expired tokens, and agent
    or read tokens of an agent no longer active, are :class:`NotFound`."""
    with read_only(engine) as uow:
        row = uow.tokens.usable(token_hash(token), now)
    if row is None:
        raise NotFound("unknown, revoked or expired API token")
    return _used(engine, row, now)


def authenticate(engine: Engine, token: str, now: datetime, address: str, limit: AttemptLimit) -> TokenHolder:
    """:func:`holder_for_token` for a request from ``address``: refused with
    :class:`TooManyAttempts` while the address is over ``limit``, and a failure counted
    against it. A valid token costs one read (and a write once a minute)."""
    with read_only(engine) as uow:
        retry = _retry_after(uow, address, now, limit)
        row = None if retry is not None else uow.tokens.usable(token_hash(token), now)
    if retry is not None:
        raise TooManyAttempts(retry)
    if row is None:
        record_failed_attempt(engine, address, now, limit)
        raise NotFound("unknown, revoked or expired API token")
    return _used(engine, row, now)


def attempt_allowed(engine: Engine, address: str, now: datetime, limit: AttemptLimit) -> None:
    """Nothing while ``address`` may try; :class:`TooManyAttempts` once it is over ``limit``."""
    with read_only(engine) as uow:
        retry = _retry_after(uow, address, now, limit)
    if retry is not None:
        raise TooManyAttempts(retry)


def record_failed_attempt(engine: Engine, address: str, now: datetime, limit: AttemptLimit) -> None:
    """One more failure against ``address``; failures older than the window are forgotten."""
    with unit_of_work(engine) as uow:
        uow.auth_failures.add(address, now, prune_before=now - limit.window)


def _retry_after(uow: SqlUnitOfWork, address: str, now: datetime, limit: AttemptLimit) -> int | None:
    failures = uow.auth_failures.since(address, now - limit.window)
    if len(failures) < limit.failures:
        return None
    # once this one leaves the window, fewer than `limit.failures` are left in it
    leaving = failures[len(failures) - limit.failures]
    return max(1, math.ceil((leaving + limit.window - now).total_seconds()))


def _used(engine: Engine, row: TokenRow, now: datetime) -> TokenHolder:
    stale_at = now - USE_RECORDED_EVERY
    if row.last_used_at is None or row.last_used_at <= stale_at:
        with unit_of_work(engine) as uow:
            uow.tokens.used(row.id, now, stale_at)
    return TokenHolder(row.holder, TokenScope(row.scope), row.id)


def _info(row: TokenRow) -> TokenInfo:
    return TokenInfo(
        row.id,
        row.holder,
        TokenScope(row.scope),
        row.label,
        row.created_at,
        row.expires_at,
        row.last_used_at,
        row.revoked_at,
    )
