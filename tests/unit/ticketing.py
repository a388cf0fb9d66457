"""A small kit for driving the pure ticket core in unit tests: the example
playbook, a fixed start time, and helpers that decide a command and fold the
events it causes, as the services do, without a database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.decide import Context, decide, open_ticket
from baton.core.playbook import EscalationKind, Playbook
from baton.core.policy import TokenScope, authorise, caller_for
from baton.core.ticket import Ticket, evolve_all, open_from
from baton.playbook import load_playbook
from baton.settings import EXAMPLE_PLAYBOOK

PLAYBOOK: Playbook = load_playbook(EXAMPLE_PLAYBOOK)
T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday morning
STEP = timedelta(minutes=5)
ACME = cmd.CustomerRef(id=1, name="Acme Analytics", tier="enterprise")

E = TypeVar("E", bound=ev.Event)


def open_command(**changes: object) -> cmd.OpenTicket:
    fields: dict[str, object] = {
        "subject": "Dashboard export fails with a 500",
        "body": "Every scheduled export since Monday fails.",
        "customer": ACME,
        "severity": "high",
        "category": "data-export",
        "channel": "email",
        "agent": "amara",
    }
    fields.update(changes)
    return cmd.OpenTicket(**fields)  # type: ignore[arg-type]


def start(
    command: cmd.OpenTicket | None = None,
    *,
    actor: str = "amara",
    load: Mapping[str, int] | None = None,
    at: datetime = T0,
    ticket_id: int = 1,
) -> Ticket:
    """A ticket opened by ``actor`` (amara on the intake role by default)."""
    events = open_ticket(command or open_command(), Context(PLAYBOOK, actor, at, load or {}))
    opened = only(events, ev.TicketOpened)
    assert events[0] is opened, "TicketOpened comes first"
    return evolve_all(open_from(ticket_id, opened, at), events[1:], actor, at)


def events_of(
    ticket: Ticket,
    command: cmd.TicketCommand,
    actor: str,
    *,
    load: Mapping[str, int] | None = None,
    at: datetime | None = None,
) -> list[ev.Event]:
    """The events ``command`` causes when ``actor`` issues it, the policy asked first
    (a public reply from someone who does not speak to the customer is their draft)."""
    scope = TokenScope.INTEGRATION if actor in PLAYBOOK.integrations else TokenScope.AGENT
    allowed = authorise(caller_for(PLAYBOOK, actor, scope), command, ticket, PLAYBOOK)
    return decide(ticket, allowed, Context(PLAYBOOK, actor, at or ticket.updated_at + STEP, load or {}))


def act(
    ticket: Ticket,
    command: cmd.TicketCommand,
    actor: str,
    *,
    load: Mapping[str, int] | None = None,
    at: datetime | None = None,
) -> Ticket:
    """The ticket after ``actor`` issues ``command`` (raises when it is refused)."""
    when = at or ticket.updated_at + STEP
    return evolve_all(ticket, events_of(ticket, command, actor, load=load, at=when), actor, when)


def only(events: Iterable[ev.Event], kind: type[E]) -> E:
    """The single event of ``kind`` among ``events``."""
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, f"expected one {kind.__name__}, got {[e.type for e in events]}"
    return found[0]


def full_note(kind: EscalationKind, playbook: Playbook = PLAYBOOK) -> dict[str, str]:
    """A note holding every field the playbook requires for ``kind``."""
    return {name: f"{playbook.note_fields[name].label}: filled in" for name in playbook.required_note_fields[kind]}


def handoff(role: str, agent: str | None = None, *, note: Mapping[str, str] | None = None) -> cmd.Escalate:
    return cmd.Escalate(
        kind=EscalationKind.HANDOFF,
        target_role=role,
        reason="needs a specialist",
        note=full_note(EscalationKind.HANDOFF) if note is None else note,
        target_agent=agent,
    )


def assist(role: str, agent: str | None = None, *, note: Mapping[str, str] | None = None) -> cmd.Escalate:
    return cmd.Escalate(
        kind=EscalationKind.ASSIST,
        target_role=role,
        reason="a question for a specialist",
        note=full_note(EscalationKind.ASSIST) if note is None else note,
        target_agent=agent,
    )
