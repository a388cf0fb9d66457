"""Putting a playbook into service: record its version and sync its agents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from baton.core.playbook import Playbook
from baton.services.unit_of_work import unit_of_work


def install_playbook(engine: Engine, playbook: Playbook, content: str, now: datetime) -> None:
    """Idempotent: record the version once; agents not in it are deactivated, not deleted."""
    with unit_of_work(engine) as uow:
        if not uow.playbooks.has_version(playbook.version):
            uow.playbooks.add_version(playbook.version, playbook.name, content, now)
        existing = uow.agents.names()
        for agent in playbook.agents.values():
            if agent.name in existing:
                uow.agents.update(agent.name, agent.display_name, agent.email)
            else:
                uow.agents.add(agent.name, agent.display_name, agent.email)
        gone = existing - set(playbook.agents)
        if gone:
            uow.agents.deactivate(gone)
