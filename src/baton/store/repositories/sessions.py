"""Web sessions: a signed-in browser per row, stored by the hash of its cookie's secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, or_, select, update

from baton.store import tables as t

USER_AGENT_LENGTH = 300
ADDRESS_LENGTH = 64


@dataclass(frozen=True)
class SessionRow:
    id: int
    agent: str
    token_id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class SessionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        secret_hash: str,
        agent: str,
        token_id: int,
        at: datetime,
        expires_at: datetime,
        user_agent: str = "",
        address: str = "",
    ) -> SessionRow:
        values = {
            "secret_hash": secret_hash,
            "agent": agent,
            "token_id": token_id,
            "created_at": at,
            "last_seen_at": at,
            "expires_at": expires_at,
            "user_agent": user_agent[:USER_AGENT_LENGTH],
            "address": address[:ADDRESS_LENGTH],
        }
        new = self.conn.execute(insert(t.web_sessions).values(values).returning(t.web_sessions.c.id)).scalar_one()
        return SessionRow(int(new), agent, token_id, at, at, expires_at)

    def live(self, secret_hash: str, now: datetime, idle_since: datetime) -> SessionRow | None:
        """The session with this hash if it is still on at ``now``: not signed out, not past
        its end, seen after ``idle_since``, its token neither revoked nor expired, its agent
        active."""
        s, tokens = t.web_sessions, t.api_tokens
        row = self.conn.execute(
            select(s)
            .join(tokens, tokens.c.id == s.c.token_id)
            .join(t.agents, t.agents.c.name == s.c.agent)
            .where(
                s.c.secret_hash == secret_hash,
                s.c.revoked_at.is_(None),
                s.c.expires_at > now,
                s.c.last_seen_at > idle_since,
                tokens.c.revoked_at.is_(None),
                or_(tokens.c.expires_at.is_(None), tokens.c.expires_at > now),
                t.agents.c.active.is_(True),
            )
        ).first()
        return None if row is None else _session(row)

    def seen(self, session_id: int, at: datetime) -> None:
        self.conn.execute(update(t.web_sessions).where(t.web_sessions.c.id == session_id).values(last_seen_at=at))

    def revoke(self, secret_hash: str, at: datetime) -> SessionRow | None:
        """Sign the session out: the session, or None when there was none still on."""
        s = t.web_sessions
        row = self.conn.execute(select(s).where(s.c.secret_hash == secret_hash, s.c.revoked_at.is_(None))).first()
        if row is None:
            return None
        self.conn.execute(update(s).where(s.c.id == row.id, s.c.revoked_at.is_(None)).values(revoked_at=at))
        return _session(row)

    def revoke_of_token(self, token_id: int, at: datetime) -> int:
        """End every session signed in with the token; how many were still on."""
        s = t.web_sessions
        done = self.conn.execute(
            update(s).where(s.c.token_id == token_id, s.c.revoked_at.is_(None)).values(revoked_at=at)
        )
        return done.rowcount

    def prune(self, before: datetime) -> None:
        """Forget sessions that ended (signed out, or past their end) before ``before``."""
        s = t.web_sessions
        self.conn.execute(delete(s).where(or_(s.c.expires_at < before, s.c.revoked_at < before)))


def _session(row: Row[Any]) -> SessionRow:
    return SessionRow(row.id, row.agent, row.token_id, row.created_at, row.last_seen_at, row.expires_at)
