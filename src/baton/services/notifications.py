"""What Baton has sent an agent: notifications to a role they belong to, and
suggestions pushed to them (or to their role) when a ticket of theirs was stuck.
Read from the trail, newest first; nothing is stored twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from baton.core import events as ev
from baton.core.playbook import Playbook
from baton.services.unit_of_work import read_only

WINDOW = timedelta(days=7)
SCANNED = 5_000
"""Recent notifications of all agents looked through for one agent's."""
KINDS = ("RoleNotified", "SuggestionsPushed")


@dataclass(frozen=True)
class Notification:
    ticket_id: int
    subject: str
    status: str
    at: datetime
    kind: str
    """``notified`` or ``suggestions``."""
    to: str
    """The role (and agent) it was sent to."""
    message: str
    tickets: list[dict[str, str | int | float]] = field(default_factory=list)
    articles: list[dict[str, str | int | float]] = field(default_factory=list)


def addressed_to(agent: str, roles: tuple[str, ...], event: ev.Event) -> str | None:
    """Whom ``event`` addressed, if it reached ``agent``."""
    match event:
        case ev.RoleNotified(role=role, agent=to) if to == agent or (not to and role in roles):
            return f"{to} ({role})" if to else role
        case ev.SuggestionsPushed(agent=to, role=role) if to == agent or (not to and role in roles):
            return f"{to} ({role})" if to else role
    return None


def notifications_for(
    engine: Engine, playbook: Playbook, agent: str, now: datetime, limit: int = 50, window: timedelta = WINDOW
) -> list[Notification]:
    """The agent's notifications of the last ``window``, newest first."""
    roles = playbook.roles_of_agent.get(agent, ())
    with read_only(engine) as uow:
        recent = uow.tickets.recent_events(KINDS, now - window, SCANNED)
    found: list[Notification] = []
    for record, subject, status in recent:
        to = addressed_to(agent, roles, record.event)
        if to is None:
            continue
        event = record.event
        if isinstance(event, ev.SuggestionsPushed):
            shown = len(event.tickets) + len(event.articles)
            message = (
                f"no progress: {shown} suggestion{'s' if shown != 1 else ''} by rule {event.rule}"
                if shown
                else f"no progress; rule {event.rule} found nothing to suggest: {event.note}"
            )
            found.append(
                Notification(
                    record.ticket_id, subject, status, record.at, "suggestions", to, message,
                    list(event.tickets), list(event.articles),
                )
            )  # fmt: skip
        elif isinstance(event, ev.RoleNotified):
            found.append(Notification(record.ticket_id, subject, status, record.at, "notified", to, event.message))
        if len(found) == limit:
            break
    return found
