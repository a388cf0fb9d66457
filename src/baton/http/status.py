"""The HTTP status of each domain error, for problem details and for pages alike."""

from __future__ import annotations

from baton.core.errors import (
    ConcurrencyConflict,
    DomainError,
    InvalidCommand,
    InvalidTransition,
    NotFound,
    NotPermitted,
)

STATUS: list[tuple[type[DomainError], int]] = [
    (InvalidCommand, 422),
    (NotPermitted, 403),
    (NotFound, 404),
    (InvalidTransition, 409),
    (ConcurrencyConflict, 409),
]


def status_of(exc: DomainError) -> int:
    """The first matching kind's status; 400 for any other domain error."""
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 400)
