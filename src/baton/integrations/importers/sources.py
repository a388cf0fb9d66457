"""Where metrics read a history from: Baton's own trail or an imported history."""

from __future__ import annotations

from sqlalchemy import Engine

from baton.analytics.frame import EventLog
from baton.analytics.results import Period
from baton.core.playbook import Playbook
from baton.integrations.importers.baton_history import SOURCE, read_baton
from baton.integrations.importers.stored import load_history


def load_source(engine: Engine, playbook: Playbook, source: str, period: Period | None = None) -> EventLog:
    """``baton`` is Baton's own history (only tickets with an event in ``period``);
    any other name is a history stored by ``baton import``."""
    if source == SOURCE:
        return read_baton(engine, playbook, period)
    return load_history(engine, source)
