"""Wiring: settings in, engine + playbook + services out. Used by every door."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine

from baton.core.playbook import Playbook
from baton.playbook import load_playbook
from baton.services.classification import Classifier
from baton.services.clock import Clock, SystemClock
from baton.services.playbooks import install_playbook
from baton.services.suggestions import suggester
from baton.services.tickets import TicketService
from baton.settings import Settings
from baton.store.db import make_engine
from baton.store.migrate import current_revision, head_revision


@dataclass
class Baton:
    settings: Settings
    engine: Engine
    playbook: Playbook
    clock: Clock

    @cached_property
    def classifier(self) -> Classifier:
        return Classifier(self.playbook, self.model_path)

    @property
    def model_path(self) -> Path:
        from baton.assist.model_store import default_model_path

        return self.settings.model_path or default_model_path(self.settings.database_url)

    @cached_property
    def tickets(self) -> TicketService:
        return TicketService(self.engine, self.playbook, self.clock, self.classifier, suggester(self.engine))


class SchemaOutOfDate(RuntimeError):
    pass


def build(settings: Settings | None = None, clock: Clock | None = None) -> Baton:
    """Load and install the playbook on a migrated database."""
    settings = settings or Settings()
    playbook = load_playbook(settings.playbook)
    engine = make_engine(settings.database_url)
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDate(
            f"the database at {engine.url.render_as_string(hide_password=True)} is at "
            f"schema revision {current or 'none'}, not {head}: run `baton db upgrade`"
        )
    clock = clock or SystemClock()
    install_playbook(engine, playbook, settings.playbook.read_text(encoding="utf-8"), clock.now())
    return Baton(settings, engine, playbook, clock)
