"""Putting a playbook into service (record its version, sync its agents), and the
versions that govern tickets opened under earlier ones."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from baton.core.playbook import Playbook
from baton.playbook import PlaybookError, parse_playbook
from baton.services.unit_of_work import UnitOfWorkFactory, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger("baton.playbook")


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


class PlaybookVersions:
    """The playbook governing each ticket: the current one, with the SLA policies and
    rules of the version the ticket was opened under (:meth:`Playbook.governing`).
    Earlier versions are parsed once from the text they were installed from."""

    def __init__(self, current: Playbook, reads: UnitOfWorkFactory) -> None:
        """``reads`` opens a read-only transaction: a version is loaded while a command's
        write transaction is under way."""
        self.current = current
        self.reads = reads
        self._known: dict[str, Playbook] = {current.version: current}
        self._lock = threading.Lock()

    def register(self, playbook: Playbook) -> None:
        """A version this process knows already (and may not be able to parse back)."""
        with self._lock:
            self._known[playbook.version] = self.current.governing(playbook)

    def governing(self, version: str) -> Playbook:
        with self._lock:
            found = self._known.get(version)
        if found is not None:
            return found
        pinned = self._load(version)
        governing = self.current if pinned is None else self.current.governing(pinned)
        with self._lock:
            self._known[version] = governing
        return governing

    def _load(self, version: str) -> Playbook | None:
        with self.reads() as uow:
            content = uow.playbooks.content(version)
        problem = "is not recorded"
        if content is not None:
            try:
                pinned = parse_playbook(content, f"playbook version {version}")
            except PlaybookError as exc:
                problem = f"no longer parses ({exc})"
            else:
                if pinned.version == version:
                    return pinned
                problem = f"parses as {pinned.version}"
        log.warning("playbook version %s %s; the current version governs its tickets", version, problem)
        return None
