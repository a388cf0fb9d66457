"""Ownership (RACI) and the ownership state derived from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from baton.core.errors import InvalidCommand
from baton.core.playbook import Role


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


def least_loaded_member(role: Role, load: Mapping[str, int]) -> str:
    """The member of ``role`` with the fewest open tickets; ties go by name."""
    if not role.members:
        raise InvalidCommand(f"role {role.name!r} has no members to take the ticket")
    return min(role.members, key=lambda m: (load.get(m, 0), m))


def resolve_member(role: Role, load: Mapping[str, int], agent: str | None) -> str:
    """The named agent if they belong to ``role``, else the least-loaded member."""
    if agent is None:
        return least_loaded_member(role, load)
    if agent not in role.members:
        raise InvalidCommand(
            f"agent {agent!r} is not a member of role {role.name!r}",
        )
    return agent
