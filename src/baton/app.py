"""Wiring: settings in, engine + playbook + services out. Used by every door."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine

from baton.assist.rewrite import RewriteCache
from baton.core.playbook import Playbook
from baton.playbook import load_playbook
from baton.services.classification import Classifier
from baton.services.clock import Clock, SystemClock
from baton.services.knowledge import ArticleIndex
from baton.services.outbox import Dispatcher, in_app_dispatcher
from baton.services.playbooks import PlaybookVersions, install_playbook
from baton.services.suggestions import SimilarTickets, suggester
from baton.services.tickets import TicketService
from baton.services.unit_of_work import UnitOfWorkFactory
from baton.settings import Settings
from baton.store.db import make_engine
from baton.store.migrate import current_revision, head_revision
from baton.store.unit_of_work import readers_of, units_of


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
    def rewrites(self) -> RewriteCache:
        """The LLM's rewrites of handoff briefs, kept for this process."""
        return RewriteCache()

    @cached_property
    def similar_tickets(self) -> SimilarTickets:
        """The index of resolved tickets behind "similar tickets", kept for this process."""
        return SimilarTickets(self.engine)

    @cached_property
    def articles(self) -> ArticleIndex:
        """The index of published knowledge articles, kept for this process."""
        return ArticleIndex(self.engine)

    @property
    def units(self) -> UnitOfWorkFactory:
        """Each call opens one transaction on the application's database."""
        return units_of(self.engine)

    @property
    def reads(self) -> UnitOfWorkFactory:
        """Each call opens one read-only transaction (it never waits for SQLite's write lock)."""
        return readers_of(self.engine)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        return in_app_dispatcher(self.units, self.clock)

    @cached_property
    def versions(self) -> PlaybookVersions:
        """The playbook governing each ticket (the version it was opened under)."""
        return PlaybookVersions(self.playbook, self.reads)

    @cached_property
    def tickets(self) -> TicketService:
        return TicketService(
            self.units,
            self.playbook,
            self.clock,
            self.classifier,
            suggester(self.similar_tickets, self.articles, self.playbook),
            self.versions,
        )


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
