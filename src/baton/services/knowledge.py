"""Knowledge drafts: when an escalated ticket is resolved, a draft internal article
(problem, cause, steps that worked) waits for a lead to review and publish it;
published articles are suggested for new tickets that read alike.

The draft is written in the resolving command's own transaction (see
:meth:`baton.services.tickets.TicketService._commit`), so a resolution never lands
without its draft. Edits name the version they read; a stale one is a conflict."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from baton.core import events as ev
from baton.core.checks import check_text
from baton.core.errors import (
    ConcurrencyConflict,
    FieldError,
    InvalidCommand,
    InvalidTransition,
    NotPermitted,
)
from baton.core.knowledge import Draft, draft_article
from baton.core.playbook import Playbook
from baton.core.ticket import Ticket
from baton.services.unit_of_work import UnitOfWork, read_only, unit_of_work
from baton.store.repositories.knowledge import Article

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from baton.assist.similar import SimilarIndex

DRAFT, PUBLISHED, DISCARDED = "draft", "published", "discarded"
STATUSES = (DRAFT, PUBLISHED, DISCARDED)
EDITABLE = ("title", "problem", "cause", "steps")
REQUIRED_TO_PUBLISH = ("problem", "cause", "steps")
TITLE_MAX = 250
TEXT_MAX = 20_000
STEPS_MAX = 30
STEP_MAX = 2_000


def _drafted_values(draft: Draft) -> dict[str, Any]:
    return {
        "title": draft.title[:TITLE_MAX],
        "category": draft.category,
        "problem": draft.problem,
        "cause": draft.cause,
        "steps": list(draft.steps_that_worked),
        "errors": list(draft.errors),
        "missing": list(draft.missing),
        "sources": dict(draft.sources),
    }


def _edited_by(article: Article) -> set[str]:
    return {part for part, source in article.sources.items() if source.startswith("edited by ")}


def _missing(values: Mapping[str, Any]) -> list[str]:
    return [name for name in REQUIRED_TO_PUBLISH if not values[name]]


def draft_on_resolution(
    uow: UnitOfWork, after: Ticket, records: Sequence[ev.RecordedEvent], now: datetime
) -> int | None:
    """Draft (or refresh) the ticket's article if ``records`` resolve an escalated
    ticket. A draft already there (the ticket was reopened and resolved again) is
    redrafted, keeping the parts a person edited; a published or discarded article is
    left alone. Returns the article's id, or None when nothing was drafted."""
    resolved = [r for r in records if isinstance(r.event, ev.TicketResolved) and r.ticket_id == after.id]
    if not resolved or not after.escalations:
        return None
    thread = uow.tickets.messages(after.id)
    values = _drafted_values(draft_article(after, thread, resolved_by=resolved[-1].actor))
    existing = uow.knowledge.by_ticket(after.id)
    if existing is None:
        return uow.knowledge.add(after.id, values, now)
    if existing.status != DRAFT:
        return existing.id
    for part in _edited_by(existing):  # a reviewer's words outrank a fresh draft
        values[part] = _current(existing, part)
        values["sources"][part] = existing.sources[part]
    values["missing"] = _missing(values)
    return uow.knowledge.update(existing, values, now).id


def list_articles(engine: Engine, status: str | None = None, limit: int = 200, offset: int = 0) -> list[Article]:
    if status is not None and status not in STATUSES:
        raise InvalidCommand(
            f"unknown status {status!r}", (FieldError("status", f"must be one of {', '.join(STATUSES)}"),)
        )
    with read_only(engine) as uow:
        return uow.knowledge.page(status=status, limit=limit, offset=offset)


def get_article(engine: Engine, article_id: int) -> Article:
    with read_only(engine) as uow:
        return uow.knowledge.get(article_id)


def _involved(ticket: Ticket) -> set[str]:
    own = ticket.ownership
    people = {own.original_agent, own.accountable_agent, own.responsible_agent}
    for escalation in ticket.escalations:
        people |= {escalation.from_agent, escalation.to_agent, escalation.requested_by}
    people |= {p.agent for p in (*own.consulted, *own.informed) if p.agent}
    return people


def _require_lead(playbook: Playbook, agent: str, doing: str) -> None:
    if not playbook.has_authority(agent):
        raise NotPermitted(f"agent {agent!r} cannot {doing} a knowledge article: only a lead may")


def _check_version(article: Article, expected_version: int | None) -> None:
    if expected_version is not None and article.version != expected_version:
        raise ConcurrencyConflict(
            f"knowledge article {article.id} is at version {article.version}, not {expected_version}: "
            "someone changed it; reload and try again"
        )


def _cleaned(changes: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    errors = [
        FieldError(name, f"cannot be edited; editable: {', '.join(EDITABLE)}")
        for name in changes
        if name not in EDITABLE
    ]
    values: dict[str, Any] = {}
    for name in ("title", "problem", "cause"):
        if name in changes:
            value = changes[name]
            if not isinstance(value, str):
                errors.append(FieldError(name, "must be text"))
                continue
            values[name] = value.strip()
            limit = TITLE_MAX if name == "title" else TEXT_MAX
            if values[name]:  # emptied: refused below where the part is required
                check_text(values[name], name, limit, errors)
            if name == "title" and any(ch in values[name] for ch in "\t\n\r"):
                errors.append(FieldError(name, "must be one line"))
    if "steps" in changes:
        steps = changes["steps"]
        if not isinstance(steps, list | tuple) or not all(isinstance(s, str) for s in steps):
            errors.append(FieldError("steps", "must be a list of text"))
        else:
            values["steps"] = [s.strip() for s in steps if s.strip()]
            if len(values["steps"]) > STEPS_MAX:
                errors.append(FieldError("steps", f"has {len(values['steps'])} steps; at most {STEPS_MAX}"))
            for i, step in enumerate(values["steps"][:STEPS_MAX]):
                check_text(step, f"steps.{i}", STEP_MAX, errors)
    return values, errors


def edit_article(
    engine: Engine,
    playbook: Playbook,
    agent: str,
    article_id: int,
    changes: Mapping[str, Any],
    expected_version: int | None,
    now: datetime,
) -> Article:
    """Change the title, problem, cause or steps of a draft or published article.
    Leads and the agents involved in its ticket may; a title or problem cannot be
    emptied, nor can a published article lose its cause or steps."""
    with unit_of_work(engine) as uow:
        article = uow.knowledge.get(article_id)
        if agent not in playbook.agents:
            raise NotPermitted(f"{agent!r} is not an agent in the playbook")
        if not playbook.has_authority(agent) and agent not in _involved(uow.tickets.get(article.ticket_id)):
            raise NotPermitted(
                f"agent {agent!r} cannot edit knowledge article {article_id}: only a lead or an agent "
                f"involved in ticket {article.ticket_id} may"
            )
        if article.status == DISCARDED:
            raise InvalidTransition(f"knowledge article {article_id} was discarded; it cannot be edited")
        _check_version(article, expected_version)
        values, errors = _cleaned(changes)
        merged = {"title": article.title, "problem": article.problem, "cause": article.cause, "steps": article.steps}
        merged |= values
        required = ("title", "problem", *(REQUIRED_TO_PUBLISH if article.status == PUBLISHED else ()))
        errors += [
            FieldError(name, "must not be empty" + (" on a published article" if name in ("cause", "steps") else ""))
            for name in dict.fromkeys(required)
            if name in values and not merged[name]
        ]
        if errors:
            raise InvalidCommand(
                "cannot edit the article: " + "; ".join(f"{e.field} {e.reason}" for e in errors), tuple(errors)
            )
        sources = dict(article.sources) | {
            name: f"edited by {agent}" for name in values if values[name] != _current(article, name)
        }
        return uow.knowledge.update(article, {**values, "sources": sources, "missing": _missing(merged)}, now)


def _current(article: Article, name: str) -> Any:
    return list(article.steps) if name == "steps" else getattr(article, name)


def publish(
    engine: Engine,
    playbook: Playbook,
    agent: str,
    article_id: int,
    now: datetime,
    expected_version: int | None = None,
) -> Article:
    """A lead publishes a draft; it is refused, naming each empty part, while the
    problem, cause or steps are empty."""
    _require_lead(playbook, agent, "publish")
    with unit_of_work(engine) as uow:
        article = uow.knowledge.get(article_id)
        if article.status != DRAFT:
            raise InvalidTransition(f"knowledge article {article_id} is {article.status}; only a draft is published")
        _check_version(article, expected_version)
        empty = [name for name in REQUIRED_TO_PUBLISH if not _current(article, name)]
        if not article.title.strip():
            empty.insert(0, "title")
        if empty:
            raise InvalidCommand(
                f"cannot publish knowledge article {article_id}: fill in the {', the '.join(empty)} first",
                tuple(FieldError(name, "must not be empty to publish") for name in empty),
            )
        values = {"status": PUBLISHED, "reviewed_by": agent, "published_at": now, "missing": []}
        return uow.knowledge.update(article, values, now)


def discard(
    engine: Engine,
    playbook: Playbook,
    agent: str,
    article_id: int,
    now: datetime,
    expected_version: int | None = None,
) -> Article:
    """A lead discards a draft (nothing worth keeping) or withdraws a published article."""
    _require_lead(playbook, agent, "discard")
    with unit_of_work(engine) as uow:
        article = uow.knowledge.get(article_id)
        if article.status == DISCARDED:
            raise InvalidTransition(f"knowledge article {article_id} is already discarded")
        _check_version(article, expected_version)
        return uow.knowledge.update(article, {"status": DISCARDED, "reviewed_by": agent}, now)


def article_text(article: Article) -> str:
    return "\n".join([article.title, article.problem, article.cause, *article.steps])


MIN_SCORE = 0.25
"""Below this cosine an article shares a word or two with the ticket, not its problem: in
the demo a security article scored 0.16-0.23 against export and sharing questions, while
articles on the ticket's own problem scored 0.61-0.69, and a customer's paraphrase
("our webhooks get 401 Unauthorized after rotating the key" against an article on 401s
after a key rotation) 0.28: word forms are not merged."""
MIN_SHARED = 2
"""Terms an article must share with the ticket: among a handful of articles a single shared
word is rare enough to score 0.30 (the demo's "users" matched a log-in article to a
date-filter bug)."""


class ArticleIndex:
    """The search index of one database's published articles, kept between calls and
    rebuilt when the published set changes: the application owns one
    (:attr:`baton.app.Baton.articles`); a fresh one builds on first use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._built: tuple[tuple[Any, ...], SimilarIndex | None, dict[int, Article]] | None = None
        """The published set it was built from (count, latest change, sum of ids), the
        index (None without articles) and the articles by id."""

    def current(self) -> tuple[SimilarIndex | None, dict[int, Article]]:
        from baton.assist.similar import ResolvedTicket, SimilarIndex

        with read_only(self.engine) as uow:
            key = uow.knowledge.published_key()
        with self._lock:
            built = self._built
        if built is not None and built[0] == key:
            return built[1], built[2]
        with read_only(self.engine) as uow:
            articles = uow.knowledge.published()
        docs = [
            ResolvedTicket(a.id, article_text(a), resolution="; ".join(a.steps), category=a.category) for a in articles
        ]
        index = SimilarIndex.build(docs) if docs else None
        by_id = {a.id: a for a in articles}
        with self._lock:
            self._built = (key, index, by_id)
        return index, by_id

    def suggest(self, text: str, k: int = 3, min_score: float = MIN_SCORE) -> list[dict[str, Any]]:
        """The published articles most like ``text`` (TF-IDF cosine, at least ``min_score``,
        sharing at least :data:`MIN_SHARED` terms), best first."""
        if not text.strip() or k < 1:
            return []
        index, by_id = self.current()
        if index is None:
            return []
        found = []
        for match in index.top(text, k, min_shared=MIN_SHARED):
            if match.score < min_score:
                break
            article = by_id[int(match.ticket_id)]
            found.append(
                {
                    "id": article.id,
                    "title": article.title,
                    "category": article.category,
                    "score": round(match.score, 4),
                    "problem": article.problem,
                    "url": f"/knowledge/{article.id}",
                }
            )
        return found
