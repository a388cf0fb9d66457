"""Putting a playbook into service: record its version and sync its agents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from baton.core.playbook import Playbook
from baton.store import tables as t
from baton.store.db import writing


def install_playbook(engine: Engine, playbook: Playbook, content: str, now: datetime) -> None:
    """Idempotent: record the version once; agents not in it are deactivated, not deleted."""
    with writing(engine) as conn:
        seen = conn.execute(
            select(t.playbook_versions.c.version).where(t.playbook_versions.c.version == playbook.version)
        ).first()
        if seen is None:
            conn.execute(
                insert(t.playbook_versions).values(
                    version=playbook.version, name=playbook.name, content=content, loaded_at=now
                )
            )
        existing = {row.name for row in conn.execute(select(t.agents.c.name))}
        for agent in playbook.agents.values():
            values = {"display_name": agent.display_name, "email": agent.email, "active": True}
            if agent.name in existing:
                conn.execute(update(t.agents).where(t.agents.c.name == agent.name).values(**values))
            else:
                conn.execute(insert(t.agents).values(name=agent.name, **values))
        gone = existing - set(playbook.agents)
        if gone:
            conn.execute(update(t.agents).where(t.agents.c.name.in_(gone)).values(active=False))
