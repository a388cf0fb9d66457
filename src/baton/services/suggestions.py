"""Suggestions for an open ticket: a category and severity from the classifier (or the
playbook's fallback, with the reason), and the most similar resolved tickets with
what resolved them. The similar-ticket index is rebuilt only when resolutions change."""

from __future__ import annotations

import dataclasses
import threading
import weakref
from typing import Any

from sqlalchemy import Engine, func, select

from baton.core.playbook import Playbook
from baton.services.unit_of_work import read_only
from baton.store import tables as t

_lock = threading.Lock()
_indexes: weakref.WeakKeyDictionary[Engine, tuple[tuple[Any, ...], Any]] = weakref.WeakKeyDictionary()
"""Per engine: the resolved set it was built from (count, latest resolution, sum of ids), and the index."""


def _index(engine: Engine) -> Any:
    from baton.assist.history import resolved_tickets
    from baton.assist.similar import SimilarIndex

    c = t.tickets.c
    with read_only(engine) as uow:
        key = tuple(
            uow.conn.execute(
                select(func.count(), func.max(c.resolved_at), func.sum(c.id)).where(c.resolved_at.is_not(None))
            ).one()
        )
    with _lock:
        cached = _indexes.get(engine)
        if cached is not None and cached[0] == key:
            return cached[1]
    records = resolved_tickets(engine)
    index = SimilarIndex.build([r.resolved_ticket() for r in records]) if records else None
    with _lock:
        _indexes[engine] = (key, index)
    return index


def ticket_suggestions(
    engine: Engine, playbook: Playbook, database_url: str, ticket_id: int, k: int = 5
) -> dict[str, Any]:
    from baton.assist.classify import suggest, ticket_text
    from baton.assist.model_store import default_model_path, load_or_explain

    with read_only(engine) as uow:
        ticket = uow.tickets.get(ticket_id)
    text = ticket_text(ticket.subject, f"{ticket.body}\n{ticket.last_customer_message}")
    model, problem = load_or_explain(default_model_path(database_url))
    suggestion = suggest(text, playbook, model, model_problem=problem)
    index = _index(engine)
    matches = [m for m in (index.top(text, k + 1) if index is not None else []) if m.ticket_id != ticket_id][:k]
    classification = dataclasses.asdict(suggestion)
    classification["source"] = str(suggestion.source.value)
    if suggestion.severity_source is not None:
        classification["severity_source"] = str(suggestion.severity_source.value)
    return {
        "classification": classification,
        "similar": [dataclasses.asdict(m) | {"score": round(m.score, 4)} for m in matches],
        "similar_note": None if index is not None else "no resolved tickets yet",
    }
