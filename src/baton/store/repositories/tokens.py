"""API tokens, stored only as their hash, and failed attempts to use one (per client
address, for the sign-in and bearer rate limit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, func, insert, or_, select, update

from baton.store import tables as t

INTEGRATION = "integration"
"""The scope whose holder is an integration, not an agent (``baton.core.policy.TokenScope``)."""


@dataclass(frozen=True)
class TokenRow:
    id: int
    holder: str
    scope: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self, holder: str, scope: str, token_hash: str, label: str, at: datetime, expires_at: datetime | None
    ) -> int:
        values = {
            "holder": holder,
            "scope": scope,
            "token_hash": token_hash,
            "label": label,
            "created_at": at,
            "expires_at": expires_at,
        }
        return int(self.conn.execute(insert(t.api_tokens).values(values).returning(t.api_tokens.c.id)).scalar_one())

    def usable(self, token_hash: str, now: datetime) -> TokenRow | None:
        """The token with this hash if it may be used at ``now``: not revoked, not expired,
        and, unless an integration holds it, held by an active agent."""
        tokens = t.api_tokens
        row = self.conn.execute(
            select(tokens)
            .outerjoin(t.agents, t.agents.c.name == tokens.c.holder)
            .where(
                tokens.c.token_hash == token_hash,
                tokens.c.revoked_at.is_(None),
                or_(tokens.c.expires_at.is_(None), tokens.c.expires_at > now),
                or_(tokens.c.scope == INTEGRATION, t.agents.c.active.is_(True)),
            )
        ).first()
        return None if row is None else _token(row)

    def used(self, token_id: int, at: datetime, stale_at: datetime) -> None:
        """Record a use at ``at`` if none is recorded, or the last one is ``stale_at`` or older
        (another process may have recorded one meanwhile)."""
        tokens = t.api_tokens
        self.conn.execute(
            update(tokens)
            .where(tokens.c.id == token_id, or_(tokens.c.last_used_at.is_(None), tokens.c.last_used_at <= stale_at))
            .values(last_used_at=at)
        )

    def get(self, token_id: int) -> TokenRow | None:
        row = self.conn.execute(select(t.api_tokens).where(t.api_tokens.c.id == token_id)).first()
        return None if row is None else _token(row)

    def listed(self) -> list[TokenRow]:
        return [_token(row) for row in self.conn.execute(select(t.api_tokens).order_by(t.api_tokens.c.id))]

    def revoke(self, token_id: int, at: datetime) -> bool:
        """Revoke the token; False when it already was."""
        tokens = t.api_tokens
        done = self.conn.execute(
            update(tokens).where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None)).values(revoked_at=at)
        )
        return done.rowcount > 0


def _token(row: Row[Any]) -> TokenRow:
    return TokenRow(
        row.id, row.holder, row.scope, row.label, row.created_at, row.expires_at, row.last_used_at, row.revoked_at
    )


ADDRESS_LENGTH = 64


class AuthFailureRepository:
    """Failed sign-ins and bearer tokens per client address, shared by every process."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def since(self, address: str, since: datetime) -> list[datetime]:
        """When ``address`` failed after ``since``, oldest first."""
        failures = t.auth_failures
        query = (
            select(failures.c.at)
            .where(and_(failures.c.address == address[:ADDRESS_LENGTH], failures.c.at > since))
            .order_by(failures.c.at)
        )
        return list(self.conn.execute(query).scalars())

    def add(self, address: str, at: datetime, prune_before: datetime) -> None:
        """One more failure for ``address``; every failure before ``prune_before`` goes."""
        failures = t.auth_failures
        self.conn.execute(delete(failures).where(failures.c.at <= prune_before))
        self.conn.execute(insert(failures).values(address=address[:ADDRESS_LENGTH], at=at))

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.auth_failures)).scalar_one())
