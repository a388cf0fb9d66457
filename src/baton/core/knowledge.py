"""Knowledge drafts: an internal article drafted from a resolved escalated ticket.

Derived, never invented: every part of a :class:`Draft` is text the ticket already
holds (its handoff notes, the resolving side's internal notes, the errors seen and
the resolution), and ``sources`` says where each part came from. A part the ticket
does not state (most often the cause) is left empty and named in ``missing`` for
the lead who reviews the draft to fill in."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from baton.core.brief import ThreadMessage, errors_in, first_sentence
from baton.core.ticket import EscalationStatus, Ticket

TITLE_MAX = 120
STEP_MAX = 240
SPECIALIST_STEPS = 3
"""How many of the resolving side's last internal notes before the resolution become steps."""
CAUSE_SENTENCES = 3

_CAUSE = re.compile(
    r"\bbecause\b|\bdue to\b|\bcaused by\b|\broot[- ]cause\b|\bthe cause\b|\bstemm(?:ed|s) from\b"
    r"|\bresult(?:ed|s) from\b|\btraced (?:back )?to\b"
    r"|\b(?:was|were|had been)\s+(?:\w+\s+){0,2}?(?:wrong|missing|misconfigured|incorrect|broken|expired|revoked"
    r"|disabled|stale|corrupt(?:ed)?|outdated|lowered|reset|overwritten|mis-?set|set to|never)\b"
    r"|\b(?:was|were)\s+\w+ed\s+by\b",
    re.IGNORECASE,
)
"""A sentence that states why it happened, not what was done about it."""
_DONE = re.compile(
    r"^(?:\w+ed|sent|set|ran|made|put|gave|told|rebuilt|rewrote|wrote|took|kept|cut|shut|found|got)\b", re.IGNORECASE
)
"""A clause that opens with something done ("restored", "killed", "sent"): an action, not a finding."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@dataclass(frozen=True)
class Draft:
    ticket_id: int
    title: str
    category: str
    problem: str
    cause: str
    steps_that_worked: tuple[str, ...]
    errors: tuple[str, ...]
    sources: Mapping[str, str] = field(default_factory=dict)
    """For each part, where in the ticket its text came from."""
    missing: tuple[str, ...] = ()
    """The parts the ticket does not state (``problem``, ``cause``, ``steps``, as the
    article's fields are named), left empty for a lead to fill in."""


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences, whitespace folded."""
    folded = " ".join(text.split())
    return [s for s in _SENTENCE_END.split(folded) if s]


def states_a_cause(sentence: str) -> bool:
    return _CAUSE.search(sentence) is not None


def finding(sentence: str) -> str | None:
    """The finding of a resolution written as "<what was wrong>; <what was done>": the
    first clause, when it does not open with an action and the next one does."""
    first, separator, rest = sentence.partition(";")
    first, rest = first.strip(), rest.strip()
    if not separator or not first or _DONE.match(first) or not _DONE.match(rest):
        return None
    return first + "."


def resolving_side(ticket: Ticket, resolved_by: str = "") -> frozenset[str]:
    """Who worked the ticket after escalating it: the specialists reached (unless
    they bounced it back), the responsible agent at the end, and who resolved it."""
    people = {e.to_agent for e in ticket.escalations if e.status is not EscalationStatus.BOUNCED}
    people.add(ticket.ownership.responsible_agent)
    if resolved_by:
        people.add(resolved_by)
    return frozenset(people)


def _specialist_notes(ticket: Ticket, thread: Sequence[ThreadMessage], side: frozenset[str]) -> list[ThreadMessage]:
    """The resolving side's internal notes from the first escalation to the resolution."""
    if not ticket.escalations:
        return []
    since = min(e.requested_at for e in ticket.escalations)
    until = ticket.resolved_at
    return [
        m
        for m in thread
        if m.visibility == "internal"
        and m.author_kind == "agent"
        and m.author in side
        and m.created_at >= since
        and (until is None or m.created_at <= until)
    ]


def _problem(ticket: Ticket) -> tuple[str, str]:
    for escalation in reversed(ticket.escalations):
        summary = escalation.note.get("summary", "").strip()
        if summary:
            return summary, f"handoff note of {escalation.kind} #{escalation.number} (summary)"
    return ticket.subject.strip(), "ticket subject"


def _cause(ticket: Ticket, notes: Sequence[ThreadMessage]) -> tuple[str, str]:
    found: dict[str, None] = {}
    where: list[str] = []
    findings = [f for f in map(finding, sentences(ticket.resolution)) if f is not None]
    if findings:
        found.update(dict.fromkeys(findings))
        where.append("resolution (what was found, before what was done)")
    for text, place in [(ticket.resolution, "resolution"), *((m.body, _note_place(m)) for m in notes)]:
        stated = [s for s in sentences(text) if states_a_cause(s) and s not in found and finding(s) is None]
        if stated:
            found.update(dict.fromkeys(stated))
            where.append(place)
    chosen = list(found)[:CAUSE_SENTENCES]
    return " ".join(chosen), "; ".join(where)


def _note_place(message: ThreadMessage) -> str:
    number = getattr(message, "number", None)
    return f"internal note {'#' + str(number) + ' ' if number is not None else ''}by {message.author}"


def _steps(ticket: Ticket, notes: Sequence[ThreadMessage]) -> tuple[tuple[str, ...], str]:
    steps: list[str] = []
    where: list[str] = []
    for message in notes:
        doing = [s for s in sentences(message.body) if not states_a_cause(s)]
        if doing:
            steps.append(first_sentence(" ".join(doing), STEP_MAX))
            where.append(_note_place(message))
    steps, where = steps[-SPECIALIST_STEPS:], where[-SPECIALIST_STEPS:]
    resolution = " ".join(ticket.resolution.split())
    if resolution:
        steps.append(resolution)
        where.append("resolution")
    return tuple(dict.fromkeys(steps)), "; ".join(where)


def _title(problem: str) -> str:
    line = first_sentence(problem, TITLE_MAX)
    return line[:-1] if line.endswith(".") else line


def draft_article(ticket: Ticket, thread: Sequence[ThreadMessage], resolved_by: str = "") -> Draft:
    """A draft article from ``ticket`` (resolved, escalated at least once) and its thread."""
    notes = _specialist_notes(ticket, thread, resolving_side(ticket, resolved_by))
    problem, problem_from = _problem(ticket)
    cause, cause_from = _cause(ticket, notes)
    steps, steps_from = _steps(ticket, notes)
    texts = [ticket.body, *(m.body for m in thread), *(e.note.get("error_messages", "") for e in ticket.escalations)]
    errors = errors_in(texts)
    empty = {"problem": not problem, "cause": not cause, "steps": not steps}
    sources = {
        "title": problem_from,
        "problem": problem_from,
        "cause": cause_from or "not stated in the resolution or the resolving side's internal notes",
        "steps": steps_from,
        "errors": "ticket body, thread and handoff notes" if errors else "none found",
        "category": "ticket category",
    }
    return Draft(
        ticket_id=ticket.id,
        title=_title(problem),
        category=ticket.category,
        problem=problem,
        cause=cause,
        steps_that_worked=steps,
        errors=errors,
        sources=sources,
        missing=tuple(name for name, is_empty in empty.items() if is_empty),
    )
