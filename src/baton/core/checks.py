"""What every decision checks: the context it decides in, text and names against
the playbook, the actor's involvement and the ticket's state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from baton.core.errors import FieldError, InvalidCommand, InvalidTransition
from baton.core.playbook import Playbook

if TYPE_CHECKING:
    from baton.core.policy import Caller
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
    caller: Caller | None = None
    """Who asks, as the policy sees them; None: the agent ``actor``, with an agent token."""


def check_text(value: str, name: str, limit: int, errors: list[FieldError]) -> None:
    """Not blank, at most ``limit`` characters, and no control character but tab, newline
    and carriage return (no other C0, no DEL, no C1) nor lone surrogate: PostgreSQL
    refuses NUL, and a terminal or a mail header makes the others mean something."""
    if not value.strip():
        errors.append(FieldError(name, "must not be empty"))
    elif len(value) > limit:
        errors.append(FieldError(name, f"is {len(value)} characters; at most {limit}"))
    elif not value.isprintable():
        at = next(
            (
                i
                for i, ch in enumerate(value)
                if ch not in "\t\n\r" and (ch < " " or "\x7f" <= ch <= "\x9f" or "\ud800" <= ch <= "\udfff")
            ),
            None,
        )
        if at is not None:
            errors.append(FieldError(name, f"contains the control character U+{ord(value[at]):04X} at position {at}"))


REASON_MAX = 2000


def check_reason(reason: str, what: str) -> None:
    """An optional reason: when given, one that :func:`check_text` accepts, at most ``REASON_MAX``."""
    errors: list[FieldError] = []
    if reason:
        check_text(reason, "reason", REASON_MAX, errors)
    refuse_if(errors, f"cannot {what}")


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


def require_active(ticket: Ticket, doing: str) -> None:
    if not ticket.status.is_active:
        raise InvalidTransition(f"cannot {doing} ticket {ticket.id}: it is {ticket.status.value}")
