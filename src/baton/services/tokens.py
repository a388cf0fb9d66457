"""API tokens: random, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from baton.core.errors import InvalidCommand, NotFound
from baton.services.unit_of_work import read_only, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy import Engine

PREFIX = "bt_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(engine: Engine, agent: str, now: datetime, label: str = "") -> str:
    """A new token for ``agent``; only its hash is kept."""
    token = PREFIX + secrets.token_urlsafe(32)
    with unit_of_work(engine) as uow:
        if not uow.agents.is_active(agent):
            raise InvalidCommand(f"unknown agent {agent!r}: not in the running playbook")
        uow.tokens.add(agent, token_hash(token), label, now)
    return token


def agent_for_token(engine: Engine, token: str) -> str:
    with read_only(engine) as uow:
        agent = uow.tokens.agent_for(token_hash(token))
    if agent is None:
        raise NotFound("unknown or revoked API token")
    return agent
