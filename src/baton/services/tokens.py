"""API tokens: random, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Engine, insert, select

from baton.core.errors import InvalidCommand, NotFound
from baton.store import tables as t
from baton.store.db import reading, writing

PREFIX = "bt_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(engine: Engine, agent: str, now: datetime, label: str = "") -> str:
    """A new token for ``agent``; only its hash is kept."""
    token = PREFIX + secrets.token_urlsafe(32)
    with writing(engine) as conn:
        known = conn.execute(select(t.agents.c.name).where(t.agents.c.name == agent, t.agents.c.active)).first()
        if known is None:
            raise InvalidCommand(f"unknown agent {agent!r}: not in the running playbook")
        conn.execute(
            insert(t.api_tokens).values(agent=agent, token_hash=token_hash(token), label=label, created_at=now)
        )
    return token


def agent_for_token(engine: Engine, token: str) -> str:
    with reading(engine) as conn:
        row = conn.execute(
            select(t.api_tokens.c.agent)
            .join(t.agents, t.agents.c.name == t.api_tokens.c.agent)
            .where(
                t.api_tokens.c.token_hash == token_hash(token),
                t.api_tokens.c.revoked_at.is_(None),
                t.agents.c.active,
            )
        ).first()
    if row is None:
        raise NotFound("unknown or revoked API token")
    return str(row.agent)
