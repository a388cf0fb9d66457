"""Suggestions for an open ticket: a category and severity from the classifier (or the
playbook's fallback, with the reason), and the most similar resolved tickets with
what resolved them.

The similar-ticket index (:class:`SimilarTickets`, one per application:
:attr:`baton.app.Baton.similar_tickets`) is built from the resolved tickets and looked
at again once per :data:`REFRESH` of the clock, rebuilt then if they changed: on a busy
desk every resolution would otherwise rebuild it, and a suggestion missing the last
hour's resolutions is still a good suggestion."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from baton.core.pipeline import Found, SuggesterPort
from baton.core.playbook import Playbook
from baton.core.policy import Caller
from baton.core.ticket import Ticket
from baton.services.classification import Classifier
from baton.services.knowledge import ArticleIndex
from baton.services.unit_of_work import read_only
from baton.services.visibility import visible_cases

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from baton.assist.similar import Match, SimilarIndex

REFRESH = timedelta(hours=1)
ARTICLES = 3
"""Published knowledge articles shown beside the similar tickets."""


@dataclass(frozen=True)
class _Built:
    key: tuple[Any, ...]
    """The resolved set it was built from: count, latest resolution, sum of ids."""
    at: datetime
    index: SimilarIndex | None


class SimilarTickets:
    """The index of one database's resolved tickets, kept between calls: the application
    owns one (:attr:`baton.app.Baton.similar_tickets`); a fresh one builds on first use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._built: _Built | None = None

    def index(self, now: datetime) -> SimilarIndex | None:
        """The index of resolved tickets (None while there are none)."""
        from baton.assist.history import resolved_tickets
        from baton.assist.similar import SimilarIndex

        with self._lock:
            built = self._built
        if built is not None and now - built.at < REFRESH:
            return built.index
        with read_only(self.engine) as uow:
            key = uow.tickets.resolved_key()
        if built is not None and built.key == key:
            index = built.index
        else:
            records = resolved_tickets(self.engine)
            index = SimilarIndex.build([r.resolved_ticket() for r in records]) if records else None
        with self._lock:
            self._built = _Built(key, now, index)
        return index


def query_text(ticket: Ticket) -> str:
    """What a ticket is searched by: its subject, first message and the customer's latest."""
    from baton.assist.classify import ticket_text

    return ticket_text(*_subject_and_body(ticket))


def _subject_and_body(ticket: Ticket) -> tuple[str, str]:
    return ticket.subject, f"{ticket.body}\n{ticket.last_customer_message}"


def similar_to(similar: SimilarTickets, ticket: Ticket, now: datetime, k: int) -> tuple[list[Match], str | None]:
    """The k resolved tickets most like ``ticket`` (never itself), and a note when there is nothing to search."""
    index = similar.index(now)
    if index is None:
        return [], "no resolved tickets yet"
    found = [m for m in index.top(query_text(ticket), k + 1) if m.ticket_id != ticket.id][:k]
    return found, None if found else "no resolved ticket shares a word with this one"


def ticket_suggestions(
    classifier: Classifier,
    similar: SimilarTickets,
    articles: ArticleIndex,
    ticket: Ticket,
    now: datetime,
    k: int = 5,
) -> dict[str, Any]:
    """For an open ticket: its classification, the k most similar resolved tickets and
    the closest published articles, from the application's indexes."""
    suggestion = classifier(*_subject_and_body(ticket))
    matches, note = similar_to(similar, ticket, now, k)
    classification = dataclasses.asdict(suggestion)
    classification["source"] = str(suggestion.source.value)
    if suggestion.severity_source is not None:
        classification["severity_source"] = str(suggestion.severity_source.value)
    return {
        "classification": classification,
        "similar": [dataclasses.asdict(m) | {"score": round(m.score, 4)} for m in matches],
        "similar_note": note,
        "articles": articles.suggest(query_text(ticket), ARTICLES),
    }


def pushed(
    similar: SimilarTickets,
    published: ArticleIndex,
    ticket: Ticket,
    now: datetime,
    k: int,
    restricted: frozenset[str] = frozenset(),
) -> Found:
    """What a `suggest` rule pushes to the ticket's owner: the k most similar resolved
    tickets with a short resolution and the k closest published articles, or a note
    saying why there is nothing. Tickets of a ``restricted`` category other than the
    ticket's own are never pushed (the owner may not see them)."""
    matches, note = similar_to(similar, ticket, now, k)
    matches = [m for m in matches if m.category not in restricted or m.category == ticket.category]
    tickets: list[dict[str, str | int | float]] = [
        {
            "ticket_id": int(m.ticket_id),
            "score": round(m.score, 4),
            "category": m.category,
            "resolved_by": m.resolved_by,
            "resolution": _short(m.resolution),
        }
        for m in matches
    ]
    articles: list[dict[str, str | int | float]] = [
        {"article_id": a["id"], "score": a["score"], "title": a["title"]}
        for a in published.suggest(query_text(ticket), k)
    ]
    if not tickets and not articles:
        return [], [], note or "nothing similar found"
    return tickets, articles, ""


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def suggester(similar: SimilarTickets, articles: ArticleIndex, playbook: Playbook) -> SuggesterPort:
    """The port through which `suggest` rules reach this desk's tickets and articles."""
    restricted = frozenset(name for name, c in playbook.categories.items() if c.restricted_to)

    def push(ticket: Ticket, now: datetime, k: int) -> Found:
        return pushed(similar, articles, ticket, now, k, restricted)

    return push


def visible_suggestions(engine: Engine, playbook: Playbook, caller: Caller, found: dict[str, Any]) -> dict[str, Any]:
    """``found`` without the similar tickets ``caller`` may not see (a ticket of an
    imported history, not Baton's, by its category alone)."""
    similar = found["similar"]
    ours = [(m["ticket_id"], m["category"]) for m in similar if isinstance(m["ticket_id"], int)]
    theirs = [(m["ticket_id"], m["category"]) for m in similar if not isinstance(m["ticket_id"], int)]
    seen = visible_cases(engine, playbook, caller, ours, baton_ids=True)
    seen |= visible_cases(engine, playbook, caller, theirs, baton_ids=False)
    return found | {"similar": [m for m in similar if m["ticket_id"] in seen]}
