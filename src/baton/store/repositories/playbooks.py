"""Playbook versions put into service, each recorded once with its text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from baton.store import tables as t


class PlaybookRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def has_version(self, version: str) -> bool:
        query = select(t.playbook_versions.c.version).where(t.playbook_versions.c.version == version)
        return self.conn.execute(query).first() is not None

    def content(self, version: str) -> str | None:
        """The text the version was installed from, if it was."""
        query = select(t.playbook_versions.c.content).where(t.playbook_versions.c.version == version)
        found = self.conn.execute(query).scalar()
        return None if found is None else str(found)

    def add_version(self, version: str, name: str, content: str, at: datetime) -> None:
        self.conn.execute(insert(t.playbook_versions).values(version=version, name=name, content=content, loaded_at=at))
