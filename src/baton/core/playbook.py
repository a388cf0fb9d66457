"""The parts of the playbook the core decides with, as plain frozen data.

The YAML file is validated by :mod:`baton.playbook`; what reaches the core is
this already-checked view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from baton.core.calendar import Calendar


class EscalationKind(StrEnum):
    ASSIST = "assist"
    HANDOFF = "handoff"


class EscalationDirection(StrEnum):
    FUNCTIONAL = "functional"
    HIERARCHICAL = "hierarchical"


@dataclass(frozen=True)
class Tier:
    level: int
    name: str
    boundary: str


@dataclass(frozen=True)
class OnCall:
    """Members taking turns, each for ``every_seconds``, from ``starts``."""

    rotation: tuple[str, ...]
    starts: datetime
    every_seconds: int

    def agent_at(self, at: datetime) -> str:
        turns = int((at - self.starts).total_seconds() // self.every_seconds)
        return self.rotation[turns % len(self.rotation)]


@dataclass(frozen=True)
class Role:
    name: str
    title: str
    tier: int
    skills: tuple[str, ...]
    members: tuple[str, ...]
    authority: bool = False
    on_call: OnCall | None = None

    @property
    def direction(self) -> EscalationDirection:
        """Escalating to authority is hierarchical, to expertise functional."""
        if self.authority:
            return EscalationDirection.HIERARCHICAL
        return EscalationDirection.FUNCTIONAL


@dataclass(frozen=True)
class Agent:
    name: str
    display_name: str
    email: str
    skills: tuple[str, ...] = ()
    calendar: str | None = None
    max_open: int | None = None


@dataclass(frozen=True)
class CustomerTier:
    name: str
    description: str


@dataclass(frozen=True)
class Severity:
    name: str
    rank: int
    definition: str


@dataclass(frozen=True)
class Category:
    name: str
    description: str
    routine: bool
    skills: tuple[str, ...] = ()
    restricted_to: tuple[str, ...] = ()
    """Roles whose members (with the people involved in the ticket) alone see its
    tickets; empty: the playbook's visibility applies."""


class Visibility(StrEnum):
    """Which tickets an agent sees."""

    ALL = "all"
    """Every ticket (a small team where everyone helps everyone)."""
    INVOLVED_OR_ROLE = "involved_or_role"
    """Tickets they are involved in, and those of the roles they belong to."""


class CustomerVoice(StrEnum):
    """Who writes to the customer."""

    ACCOUNTABLE_ONLY = "accountable_only"
    """The accountable agent (and leads); anyone else involved writes a draft they send or edit."""
    ACCOUNTABLE_OR_RESPONSIBLE = "accountable_or_responsible"
    """The accountable agent, the responsible agent and leads; others involved write drafts."""


@dataclass(frozen=True)
class Access:
    """Who may do what, beyond the roles: the playbook's ``access`` section."""

    admins: tuple[str, ...] = ()
    """Agents who configure Baton: customers' plans, backtests, imports, tokens."""
    integrations: tuple[str, ...] = ()
    """Names of the systems that hold integration tokens (e-mail gateway, widget, importers)."""
    visibility: Visibility = Visibility.ALL
    customer_voice: CustomerVoice = CustomerVoice.ACCOUNTABLE_OR_RESPONSIBLE


@dataclass(frozen=True)
class NoteField:
    name: str
    label: str
    description: str


SLA_TARGETS = ("first_response", "update", "resolution")
"""First public reply; the cadence of public updates after it; resolution."""


@dataclass(frozen=True)
class SlaTarget:
    name: str
    seconds: int
    calendar: str


@dataclass(frozen=True)
class SlaPolicy:
    name: str
    severities: tuple[str, ...]
    """Empty: any severity."""
    customer_tiers: tuple[str, ...]
    """Empty: any customer tier."""
    targets: Mapping[str, SlaTarget]
    warn_at: tuple[int, ...]

    def matches(self, severity: str, customer_tier: str) -> bool:
        return (not self.severities or severity in self.severities) and (
            not self.customer_tiers or customer_tier in self.customer_tiers
        )

    @property
    def specificity(self) -> int:
        return bool(self.severities) + bool(self.customer_tiers)


@dataclass(frozen=True)
class Playbook:
    version: str
    tiers: Mapping[int, Tier]
    roles: Mapping[str, Role]
    agents: Mapping[str, Agent]
    customer_tiers: Mapping[str, CustomerTier]
    severities: Mapping[str, Severity]
    categories: Mapping[str, Category]
    channels: tuple[str, ...]
    note_fields: Mapping[str, NoteField]
    required_note_fields: Mapping[EscalationKind, tuple[str, ...]]
    intake_role: str
    name: str = "Baton"
    intake_category: str | None = None
    """The category of a new ticket whose sender names none and whose text tells nothing."""
    intake_severity: str | None = None
    """The severity of a new ticket whose sender names none and whose text suggests none."""
    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    sla_policies: tuple[SlaPolicy, ...] = ()
    rules: tuple[Any, ...] = ()
    """Trigger rules (:class:`baton.core.rules.Rule`), compiled, in playbook order."""
    templates: Mapping[str, str] = field(default_factory=dict)
    """Customer-update templates by name."""
    informed_on: tuple[str, ...] = ("escalated", "resolved", "sla_breached")
    """The updates a ticket's informed roles hear about (see :data:`baton.core.notices.INFORMED_UPDATES`)."""
    access: Access = field(default_factory=Access)
    roles_of_agent: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.roles_of_agent:
            index: dict[str, list[str]] = {}
            for role in self.roles.values():
                for member in role.members:
                    index.setdefault(member, []).append(role.name)
            object.__setattr__(self, "roles_of_agent", {a: tuple(r) for a, r in index.items()})

    @property
    def fallback_category(self) -> str:
        """The category of a ticket nobody could classify: the intake category, else the first."""
        return self.intake_category or next(iter(self.categories))

    def sla_policy(self, severity: str, customer_tier: str) -> SlaPolicy | None:
        """The most specific policy matching; the playbook check guarantees one."""
        matching = [p for p in self.sla_policies if p.matches(severity, customer_tier)]
        return max(matching, key=lambda p: p.specificity, default=None)

    def governing(self, pinned: Playbook) -> Playbook:
        """This playbook as it governs a ticket opened under ``pinned``: the SLA policies,
        trigger rules, their templates and calendars of ``pinned`` (an escalation under way
        keeps its snapshot), the people, roles and names of this one."""
        if pinned.version == self.version:
            return self
        return replace(
            self,
            version=pinned.version,
            sla_policies=pinned.sla_policies,
            rules=pinned.rules,
            templates={**self.templates, **pinned.templates},
            calendars={**self.calendars, **pinned.calendars},
            informed_on=pinned.informed_on,
        )

    def is_member(self, agent: str, role: str) -> bool:
        return role in self.roles_of_agent.get(agent, ())

    def skills_of(self, agent: str) -> frozenset[str]:
        own = self.agents[agent].skills if agent in self.agents else ()
        return frozenset(own).union(*(self.roles[r].skills for r in self.roles_of_agent.get(agent, ())))

    @property
    def integrations(self) -> tuple[str, ...]:
        return self.access.integrations

    def has_authority(self, agent: str) -> bool:
        return any(self.roles[r].authority for r in self.roles_of_agent.get(agent, ()))
