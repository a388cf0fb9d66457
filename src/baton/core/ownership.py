"""Ownership (RACI) and the ownership state derived from it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OwnershipState(StrEnum):
    FULL = "full"
    """One agent is accountable and responsible, as the ticket began."""
    TRANSFER = "transfer"
    """Accountability moved with responsibility to someone new."""
    SPLIT = "split"
    """A specialist resolves while the accountable agent keeps the customer."""


@dataclass(frozen=True)
class Participant:
    """A consulted or informed party: a role, and the person resolved for it if any."""

    role: str | None
    agent: str | None

    def label(self) -> str:
        if self.role and self.agent:
            return f"{self.agent} ({self.role})"
        return self.agent or self.role or "?"


@dataclass(frozen=True)
class Ownership:
    original_agent: str
    accountable_agent: str
    responsible_role: str
    responsible_agent: str
    consulted: tuple[Participant, ...] = ()
    informed: tuple[Participant, ...] = ()

    @property
    def state(self) -> OwnershipState:
        if self.accountable_agent != self.responsible_agent:
            return OwnershipState.SPLIT
        if self.accountable_agent != self.original_agent:
            return OwnershipState.TRANSFER
        return OwnershipState.FULL
