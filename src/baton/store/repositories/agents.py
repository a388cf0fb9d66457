"""Agents, as the running playbook names them. Never deleted: an agent the playbook
no longer lists is deactivated, so its tokens and history still resolve."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, insert, select, update

from baton.store import tables as t


class AgentRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def names(self) -> set[str]:
        """Every agent's name, active or not."""
        return {row.name for row in self.conn.execute(select(t.agents.c.name))}

    def is_active(self, name: str) -> bool:
        query = select(t.agents.c.name).where(t.agents.c.name == name, t.agents.c.active)
        return self.conn.execute(query).first() is not None

    def add(self, name: str, display_name: str, email: str) -> None:
        """A new agent, active."""
        self.conn.execute(insert(t.agents).values(name=name, display_name=display_name, email=email, active=True))

    def update(self, name: str, display_name: str, email: str) -> None:
        """A known agent's details, and active again if it was not."""
        self.conn.execute(
            update(t.agents).where(t.agents.c.name == name).values(display_name=display_name, email=email, active=True)
        )

    def deactivate(self, names: Collection[str]) -> None:
        self.conn.execute(update(t.agents).where(t.agents.c.name.in_(names)).values(active=False))
