"""What every decision checks: the context it decides in, text and names against
the playbook, the actor's involvement and the ticket's state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from baton.core.errors import FieldError, InvalidCommand, InvalidTransition, NotPermitted
from baton.core.playbook import Playbook
from baton.core.ticket import Status, Ticket

SUBJECT_MAX = 250
BODY_MAX = 100_000
SETTABLE_STATUSES = (
    Status.OPEN,
    Status.PENDING_CUSTOMER,
    Status.PENDING_INTERNAL,
)


@dataclass(frozen=True)
class Context:
    """What a decision may look at besides the ticket."""

    playbook: Playbook
    actor: str
    now: datetime
    load: Mapping[str, float] = field(default_factory=dict)
    """Open tickets per agent, weighted by severity, for routing."""
    system: bool = False
    """Baton itself acts (a trigger rule): no agent's involvement is required."""


def check_text(value: str, name: str, limit: int, errors: list[FieldError]) -> None:
    if not value.strip():
        errors.append(FieldError(name, "must not be empty"))
    elif len(value) > limit:
        errors.append(FieldError(name, f"is {len(value)} characters; at most {limit}"))


def check_known(value: str, name: str, choices: Mapping[str, object], errors: list[FieldError]) -> None:
    if value not in choices:
        known = ", ".join(sorted(choices))
        errors.append(FieldError(name, f"unknown {name} {value!r}; known: {known}"))


def refuse_if(errors: list[FieldError], what: str) -> None:
    if errors:
        raise InvalidCommand(
            f"{what}: " + "; ".join(f"{e.field} {e.reason}" for e in errors),
            tuple(errors),
        )


def require_involved(ticket: Ticket, ctx: Context, doing: str) -> None:
    if ctx.system:
        return
    own, pb, actor = ticket.ownership, ctx.playbook, ctx.actor
    if actor not in pb.agents:
        raise NotPermitted(f"{actor!r} is not an agent in the playbook")
    if (
        actor in (own.accountable_agent, own.responsible_agent)
        or pb.is_member(actor, own.responsible_role)
        or pb.has_authority(actor)
    ):
        return
    raise NotPermitted(
        f"agent {actor!r} cannot {doing} ticket {ticket.id}: only the accountable "
        f"agent ({own.accountable_agent}), the responsible role "
        f"({own.responsible_role}) or a lead may"
    )


def require_active(ticket: Ticket, doing: str) -> None:
    if not ticket.status.is_active:
        raise InvalidTransition(f"cannot {doing} ticket {ticket.id}: it is {ticket.status.value}")
