"""The playbook file's shape (pydantic). Unknown keys are errors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$"),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierSpec(Strict):
    level: int = Field(ge=1, le=4)
    name: Text
    boundary: Text = Field(description="One sentence: what this tier does and does not do.")


class AgentSpec(Strict):
    name: Name
    display_name: Text
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    skills: list[Name] = Field(default_factory=list, description="Skills beyond those of the agent's roles.")
    calendar: Name | None = Field(default=None, description="Working hours; routing skips the agent outside them.")
    max_open: int | None = Field(default=None, ge=1, description="Most open tickets (severity-weighted) at once.")


class OnCallSpec(Strict):
    rotation: list[Name] = Field(min_length=1, description="Members taking turns, in order.")
    starts: datetime = Field(description="When the first member's turn begins (with its time zone).")
    every: str = Field(default="168h", description="How long each turn lasts, e.g. 168h for a week.")


class RoleSpec(Strict):
    name: Name
    title: Text
    tier: int = Field(ge=1, le=4)
    skills: list[Name] = Field(default_factory=list)
    members: list[Name] = Field(min_length=1)
    authority: bool = Field(
        default=False,
        description="Escalating to this role is hierarchical (to authority), not functional.",
    )
    on_call: OnCallSpec | None = None


class CustomerTierSpec(Strict):
    name: Name
    description: Text


class SeveritySpec(Strict):
    name: Name
    definition: Text


class CategorySpec(Strict):
    name: Name
    description: Text
    routine: bool = False
    skills: list[Name] = Field(default_factory=list, description="Skills routing looks for.")
    restricted_to: list[Name] = Field(
        default_factory=list,
        description="Roles whose members alone (with the people involved in the ticket) see its tickets.",
    )


class NoteFieldSpec(Strict):
    name: Name
    label: Text
    description: Text


class RequiredNoteFields(Strict):
    assist: list[Name]
    handoff: list[Name]


class HandoffNotesSpec(Strict):
    fields: list[NoteFieldSpec] = Field(min_length=1)
    required: RequiredNoteFields


class HolidaySpec(Strict):
    country: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=3)]
    subdivision: str | None = None


class CalendarSpec(Strict):
    name: Name
    time_zone: str = Field(description="An IANA zone such as Europe/London.")
    hours: dict[str, list[str]] = Field(
        description="Weekday or range ('mon-fri', 'sat', 'daily') to shifts like '08:00-18:00'; "
        "'22:00-06:00' runs overnight, '00:00-24:00' is the whole day."
    )
    holidays: HolidaySpec | None = None
    extra_holidays: list[date] = Field(default_factory=list)


class TargetSpec(Strict):
    within: str
    calendar: Name | None = None


Target = str | TargetSpec


class SlaPolicySpec(Strict):
    name: Name
    severities: list[Name] = Field(default_factory=list, description="Empty: any severity.")
    customer_tiers: list[Name] = Field(default_factory=list, description="Empty: any customer tier.")
    calendar: Name
    first_response: Target
    update_every: Target | None = None
    resolution: Target
    warn_at: list[int] | None = None


class SlaSpec(Strict):
    warn_at: list[int] = Field(default_factory=lambda: [50, 80])
    policies: list[SlaPolicySpec] = Field(min_length=1)


class AccessSpec(Strict):
    admins: list[Name] = Field(default_factory=list, description="Agents who configure Baton.")
    integrations: list[Name] = Field(
        default_factory=list, description="Systems holding integration tokens (e-mail gateway, widget, importers)."
    )
    visibility: Literal["all", "involved_or_role"] = Field(
        default="all",
        description="all: every agent sees every ticket; involved_or_role: the tickets they are involved in "
        "and those of their roles (leads and admins see all).",
    )
    customer_voice: Literal["accountable_only", "accountable_or_responsible"] = Field(
        default="accountable_or_responsible",
        description="Who writes to the customer; anyone else involved writes a draft the accountable agent sends.",
    )


class PlaybookSpec(Strict):
    name: Text
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    intake_role: Name
    intake_category: Name | None = Field(
        default=None, description="Category of a new ticket Baton cannot classify; the first category if absent."
    )
    intake_severity: Name | None = Field(
        default=None, description="Severity of a new ticket that names none and suggests none."
    )
    tiers: list[TierSpec]
    agents: list[AgentSpec] = Field(min_length=1)
    roles: list[RoleSpec] = Field(min_length=1)
    customer_tiers: list[CustomerTierSpec] = Field(min_length=1)
    severities: list[SeveritySpec] = Field(min_length=1, description="From most to least severe.")
    categories: list[CategorySpec] = Field(min_length=1)
    channels: list[Name] = Field(min_length=1)
    handoff_notes: HandoffNotesSpec
    calendars: list[CalendarSpec] = Field(default_factory=list)
    sla: SlaSpec | None = None
    templates: dict[str, Any] | None = Field(default=None, description="Customer-update templates.")
    informed_on: list[Literal["escalated", "resolved", "sla_breached", "severity_changed", "reopened"]] = Field(
        default=["escalated", "resolved", "sla_breached"],
        description="The updates a ticket's informed roles are notified of.",
    )
    rules: list[Any] | None = Field(default=None, description="Trigger rules; checked by baton.playbook.rules.")
    access: AccessSpec = Field(default_factory=AccessSpec, description="Who may do what beyond the roles.")
