"""Typed domain errors. Each names what is wrong, field by field where it can.

The API maps them to problem details in one place (``baton.api.problems``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str


class DomainError(Exception):
    """A command was refused; nothing was changed."""

    title = "Command refused"

    def __init__(self, detail: str, errors: tuple[FieldError, ...] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class InvalidCommand(DomainError):
    """The command names something unknown or carries values the playbook rejects."""

    title = "Invalid command"


class IncompleteHandoffNote(InvalidCommand):
    title = "Incomplete handoff note"


class NotPermitted(DomainError):
    title = "Not permitted"


class NotFound(DomainError):
    title = "Not found"


class InvalidTransition(DomainError):
    """The ticket is not in a state where this command makes sense."""

    title = "Conflict with the ticket's state"


class ConcurrencyConflict(DomainError):
    """Someone else changed the ticket first."""

    title = "Ticket changed concurrently"
