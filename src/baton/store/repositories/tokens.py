"""API tokens, stored only as their hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from baton.store import tables as t


class TokenRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, agent: str, token_hash: str, label: str, at: datetime) -> None:
        self.conn.execute(insert(t.api_tokens).values(agent=agent, token_hash=token_hash, label=label, created_at=at))

    def agent_for(self, token_hash: str) -> str | None:
        """The active agent holding the unrevoked token with this hash, if any."""
        row = self.conn.execute(
            select(t.api_tokens.c.agent)
            .join(t.agents, t.agents.c.name == t.api_tokens.c.agent)
            .where(
                t.api_tokens.c.token_hash == token_hash,
                t.api_tokens.c.revoked_at.is_(None),
                t.agents.c.active,
            )
        ).first()
        return None if row is None else str(row.agent)
