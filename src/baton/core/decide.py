"""Deciding: a command, the ticket as it stands, the playbook and ``now`` in;
the events it causes out. Refusals raise a :class:`DomainError` and change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.errors import (
    FieldError,
    IncompleteHandoffNote,
    InvalidCommand,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from baton.core.ownership import least_loaded_member, resolve_member
from baton.core.playbook import EscalationKind, Playbook
from baton.core.ticket import EscalationStatus, Status, Ticket

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
    load: Mapping[str, int] = field(default_factory=dict)
    """Open tickets per agent, for least-loaded assignment."""
    system: bool = False
    """Baton itself acts (a trigger rule): no agent's involvement is required."""


def _text(value: str, name: str, limit: int, errors: list[FieldError]) -> None:
    if not value.strip():
        errors.append(FieldError(name, "must not be empty"))
    elif len(value) > limit:
        errors.append(FieldError(name, f"is {len(value)} characters; at most {limit}"))


def _known(value: str, name: str, choices: Mapping[str, object], errors: list[FieldError]) -> None:
    if value not in choices:
        known = ", ".join(sorted(choices))
        errors.append(FieldError(name, f"unknown {name} {value!r}; known: {known}"))


def _refuse_if(errors: list[FieldError], what: str) -> None:
    if errors:
        raise InvalidCommand(
            f"{what}: " + "; ".join(f"{e.field} {e.reason}" for e in errors),
            tuple(errors),
        )


def open_ticket(command: cmd.OpenTicket, ctx: Context) -> list[ev.Event]:
    pb = ctx.playbook
    errors: list[FieldError] = []
    _text(command.subject, "subject", SUBJECT_MAX, errors)
    _text(command.body, "body", BODY_MAX, errors)
    _known(command.severity, "severity", pb.severities, errors)
    _known(command.category, "category", pb.categories, errors)
    _known(command.channel, "channel", dict.fromkeys(pb.channels), errors)
    _known(command.customer.tier, "customer tier", pb.customer_tiers, errors)
    role_name = command.role or pb.intake_role
    _known(role_name, "role", pb.roles, errors)
    if command.agent is not None:
        _known(command.agent, "agent", pb.agents, errors)
    _refuse_if(errors, "cannot open the ticket")
    role = pb.roles[role_name]
    agent = resolve_member(role, ctx.load, command.agent)
    return [
        ev.TicketOpened(
            subject=command.subject.strip(),
            body=command.body,
            customer_id=command.customer.id,
            customer_name=command.customer.name,
            customer_tier=command.customer.tier,
            severity=command.severity,
            category=command.category,
            channel=command.channel,
            page_context=dict(command.page_context),
            accountable_agent=agent,
            responsible_role=role.name,
            responsible_agent=agent,
            escalation_level=role.tier,
        )
    ]


def decide(ticket: Ticket, command: cmd.TicketCommand, ctx: Context) -> list[ev.Event]:
    """The events ``command`` causes on ``ticket``; raises if it is refused."""
    match command:
        case cmd.AddMessage():
            return _add_message(ticket, command, ctx)
        case cmd.ChangeStatus():
            return _change_status(ticket, command, ctx)
        case cmd.ChangeSeverity():
            return _change_severity(ticket, command, ctx)
        case cmd.ChangeCustomerTier():
            return _change_customer_tier(ticket, command, ctx)
        case cmd.ChangeCategory():
            return _change_category(ticket, command, ctx)
        case cmd.Notify():
            return _notify(ticket, command, ctx)
        case cmd.Resolve():
            return _resolve(ticket, command, ctx)
        case cmd.Reopen():
            return _reopen(ticket, command, ctx)
        case cmd.Close():
            return _close(ticket, ctx)
        case cmd.AssignResponsible():
            return _assign(ticket, command, ctx)
        case cmd.TransferAccountability():
            return _transfer(ticket, command, ctx)
        case cmd.AddParticipant():
            return _add_participant(ticket, command, ctx)
        case cmd.Escalate():
            return _escalate(ticket, command, ctx)
        case cmd.Bounce():
            return _bounce(ticket, command, ctx)
    raise TypeError(f"not a ticket command: {command!r}")  # pragma: no cover


def _require_involved(ticket: Ticket, ctx: Context, doing: str) -> None:
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


def _require_active(ticket: Ticket, doing: str) -> None:
    if not ticket.status.is_active:
        raise InvalidTransition(f"cannot {doing} ticket {ticket.id}: it is {ticket.status.value}")


def _add_message(ticket: Ticket, c: cmd.AddMessage, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    _text(c.body, "body", BODY_MAX, errors)
    if c.visibility not in ("public", "internal"):
        errors.append(FieldError("visibility", "must be 'public' or 'internal'"))
    kinds = ("agent", "customer", "system") if ctx.system else ("agent", "customer")
    if c.author_kind not in kinds:
        errors.append(FieldError("author_kind", "must be 'agent' or 'customer'"))
    if c.author_kind == "customer" and c.visibility == "internal":
        errors.append(FieldError("visibility", "a customer message is always public"))
    if c.author_kind == "customer" and not (c.author or "").strip():
        errors.append(FieldError("author", "name the customer contact who wrote"))
    _refuse_if(errors, "cannot add the message")
    if c.author_kind == "agent" and ctx.actor not in ctx.playbook.agents:
        raise NotPermitted(f"{ctx.actor!r} is not an agent in the playbook")
    if ticket.status is Status.CLOSED:
        raise InvalidTransition(f"ticket {ticket.id} is closed; open a follow-up ticket instead")
    author = ctx.actor if c.author_kind != "customer" else (c.author or "").strip()
    events: list[ev.Event] = []
    if c.author_kind == "customer" and ticket.status is Status.RESOLVED:
        events.append(ev.TicketReopened(previous="resolved", reason="customer replied"))
    elif c.author_kind == "customer" and ticket.status is Status.PENDING_CUSTOMER:
        events.append(ev.StatusChanged("pending_customer", "open", "customer replied"))
    elif c.author_kind == "agent" and c.visibility == "public" and ticket.status is Status.NEW:
        events.append(ev.StatusChanged("new", "open", "first public reply"))
    events.insert(
        0,
        ev.MessageAdded(
            number=ticket.message_count + 1,
            author_kind=c.author_kind,
            author=author,
            visibility=c.visibility,
            body=c.body,
            sentiment=c.sentiment if c.author_kind == "customer" else None,
        ),
    )
    return events


def _change_status(ticket: Ticket, c: cmd.ChangeStatus, ctx: Context) -> list[ev.Event]:
    allowed = ", ".join(s.value for s in SETTABLE_STATUSES)
    if c.status not in {s.value for s in SETTABLE_STATUSES}:
        raise InvalidCommand(
            f"status {c.status!r} cannot be set directly; choose one of {allowed} "
            "(resolve, reopen and close have their own commands)",
            (FieldError("status", f"must be one of {allowed}"),),
        )
    _require_involved(ticket, ctx, "change the status of")
    _require_active(ticket, "change the status of")
    if ticket.status.value == c.status:
        raise InvalidTransition(f"ticket {ticket.id} is already {c.status}")
    return [ev.StatusChanged(ticket.status.value, c.status, c.reason)]


def _change_severity(ticket: Ticket, c: cmd.ChangeSeverity, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    _known(c.severity, "severity", ctx.playbook.severities, errors)
    _refuse_if(errors, "cannot change the severity")
    _require_involved(ticket, ctx, "change the severity of")
    _require_active(ticket, "change the severity of")
    if ticket.severity == c.severity:
        raise InvalidTransition(f"ticket {ticket.id} is already {c.severity}")
    return [ev.SeverityChanged(ticket.severity, c.severity, c.reason)]


def _change_category(ticket: Ticket, c: cmd.ChangeCategory, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    _known(c.category, "category", ctx.playbook.categories, errors)
    _refuse_if(errors, "cannot change the category")
    _require_involved(ticket, ctx, "change the category of")
    _require_active(ticket, "change the category of")
    if ticket.category == c.category:
        raise InvalidTransition(f"ticket {ticket.id} is already in {c.category}")
    return [ev.CategoryChanged(ticket.category, c.category, c.reason)]


def _notify(ticket: Ticket, c: cmd.Notify, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    _known(c.role, "role", ctx.playbook.roles, errors)
    _text(c.message, "message", 2_000, errors)
    _refuse_if(errors, "cannot notify")
    _require_involved(ticket, ctx, "notify about")
    return [ev.RoleNotified(c.role, c.message.strip())]


def _change_customer_tier(ticket: Ticket, c: cmd.ChangeCustomerTier, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    _known(c.tier, "customer tier", ctx.playbook.customer_tiers, errors)
    _refuse_if(errors, "cannot change the customer tier")
    _require_active(ticket, "change the customer tier of")
    if ticket.customer_tier == c.tier:
        raise InvalidTransition(f"ticket {ticket.id} is already {c.tier}")
    return [ev.CustomerTierChanged(ticket.customer_tier, c.tier, c.reason)]


def _resolve(ticket: Ticket, c: cmd.Resolve, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    _text(c.resolution, "resolution", BODY_MAX, errors)
    _refuse_if(errors, "cannot resolve")
    _require_involved(ticket, ctx, "resolve")
    _require_active(ticket, "resolve")
    return [ev.TicketResolved(ticket.status.value, c.resolution.strip())]


def _reopen(ticket: Ticket, c: cmd.Reopen, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    _text(c.reason, "reason", BODY_MAX, errors)
    _refuse_if(errors, "cannot reopen")
    _require_involved(ticket, ctx, "reopen")
    if ticket.status is not Status.RESOLVED:
        raise InvalidTransition(f"only a resolved ticket can be reopened; ticket {ticket.id} is {ticket.status.value}")
    return [ev.TicketReopened(ticket.status.value, c.reason.strip())]


def _close(ticket: Ticket, ctx: Context) -> list[ev.Event]:
    _require_involved(ticket, ctx, "close")
    if ticket.status is not Status.RESOLVED:
        raise InvalidTransition(f"only a resolved ticket can be closed; ticket {ticket.id} is {ticket.status.value}")
    return [ev.TicketClosed(ticket.status.value)]


def _assign(ticket: Ticket, c: cmd.AssignResponsible, ctx: Context) -> list[ev.Event]:
    pb = ctx.playbook
    errors: list[FieldError] = []
    _known(c.role, "role", pb.roles, errors)
    _refuse_if(errors, "cannot assign")
    _require_involved(ticket, ctx, "reassign")
    _require_active(ticket, "reassign")
    role = pb.roles[c.role]
    agent = resolve_member(role, ctx.load, c.agent)
    own = ticket.ownership
    if (own.responsible_role, own.responsible_agent) == (role.name, agent):
        raise InvalidTransition(f"{agent} ({role.name}) is already responsible")
    return [
        ev.ResponsibleAssigned(
            previous_role=own.responsible_role,
            previous_agent=own.responsible_agent,
            role=role.name,
            agent=agent,
            escalation_level=role.tier,
            reason=c.reason,
            load={m: ctx.load.get(m, 0) for m in role.members},
        )
    ]


def _transfer(ticket: Ticket, c: cmd.TransferAccountability, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    _known(c.agent, "agent", ctx.playbook.agents, errors)
    _refuse_if(errors, "cannot transfer accountability")
    own = ticket.ownership
    if ctx.actor != own.accountable_agent and not ctx.playbook.has_authority(ctx.actor):
        raise NotPermitted(
            f"only the accountable agent ({own.accountable_agent}) or a lead can "
            f"transfer accountability for ticket {ticket.id}"
        )
    _require_active(ticket, "transfer accountability for")
    if c.agent == own.accountable_agent:
        raise InvalidTransition(f"{c.agent} is already accountable")
    return [ev.AccountableAssigned(own.accountable_agent, c.agent, c.reason)]


def _add_participant(ticket: Ticket, c: cmd.AddParticipant, ctx: Context) -> list[ev.Event]:
    pb = ctx.playbook
    errors: list[FieldError] = []
    if c.kind not in ("consulted", "informed"):
        errors.append(FieldError("kind", "must be 'consulted' or 'informed'"))
    if c.role is None and c.agent is None:
        errors.append(FieldError("role", "name a role, an agent or both"))
    if c.role is not None:
        _known(c.role, "role", pb.roles, errors)
    if c.agent is not None:
        _known(c.agent, "agent", pb.agents, errors)
    _refuse_if(errors, "cannot add the participant")
    _require_involved(ticket, ctx, "add participants to")
    _require_active(ticket, "add participants to")
    agent = c.agent
    if c.role is not None and c.agent is not None:
        agent = resolve_member(pb.roles[c.role], ctx.load, c.agent)
    elif c.role is not None and c.kind == "consulted":
        agent = least_loaded_member(pb.roles[c.role], ctx.load)
    return [ev.ParticipantAdded(c.kind, c.role, agent)]


def missing_note_fields(playbook: Playbook, kind: EscalationKind, note: Mapping[str, str]) -> list[FieldError]:
    """Every required field the note lacks (absent or blank), and any unknown one."""
    errors = [
        FieldError(
            f"note.{name}",
            f"required for an {kind.value}: {playbook.note_fields[name].description}"
            if kind is EscalationKind.ASSIST
            else f"required for a {kind.value}: {playbook.note_fields[name].description}",
        )
        for name in playbook.required_note_fields[kind]
        if not str(note.get(name, "")).strip()
    ]
    errors += [
        FieldError(f"note.{name}", "is not a handoff-note field the playbook knows")
        for name in note
        if name not in playbook.note_fields
    ]
    return errors


def _escalate(ticket: Ticket, c: cmd.Escalate, ctx: Context) -> list[ev.Event]:
    pb = ctx.playbook
    errors: list[FieldError] = []
    _text(c.reason, "reason", 2_000, errors)
    _known(c.target_role, "target_role", pb.roles, errors)
    if c.target_agent is not None:
        _known(c.target_agent, "target_agent", pb.agents, errors)
    _require_involved(ticket, ctx, "escalate")
    _require_active(ticket, "escalate")
    note_errors = missing_note_fields(pb, c.kind, c.note)
    if note_errors:
        everything = tuple(errors + note_errors)
        raise IncompleteHandoffNote(
            f"the {c.kind.value} note is incomplete: " + ", ".join(e.field.removeprefix("note.") for e in note_errors),
            everything,
        )
    _refuse_if(errors, f"cannot {c.kind.value}")
    own = ticket.ownership
    target = pb.roles[c.target_role]
    if target.name == own.responsible_role:
        raise InvalidTransition(
            f"{target.name} is already responsible for ticket {ticket.id}; reassign within the role instead"
        )
    if c.kind is EscalationKind.ASSIST and any(
        e.kind == "assist" and e.to_role == target.name and e.status is EscalationStatus.ACTIVE
        for e in ticket.escalations
    ):
        raise InvalidTransition(f"{target.name} is already assisting on this ticket")
    to_agent = resolve_member(target, ctx.load, c.target_agent)
    return [
        ev.TicketEscalated(
            number=len(ticket.escalations) + 1,
            kind=c.kind.value,
            direction=target.direction.value,
            from_role=own.responsible_role,
            from_agent=own.responsible_agent,
            from_tier=ticket.escalation_level,
            to_role=target.name,
            to_agent=to_agent,
            to_tier=target.tier,
            reason=c.reason.strip(),
            note={k: v.strip() for k, v in c.note.items()},
            load={m: ctx.load.get(m, 0) for m in target.members},
        )
    ]


def _bounce(ticket: Ticket, c: cmd.Bounce, ctx: Context) -> list[ev.Event]:
    escalation = ticket.escalation(c.escalation)
    if escalation is None:
        raise NotFound(f"ticket {ticket.id} has no escalation {c.escalation}")
    missing = tuple(m.strip() for m in c.missing if m.strip())
    if not missing:
        raise InvalidCommand(
            "a bounce must name what the escalation lacks",
            (FieldError("missing", "name at least one missing item"),),
        )
    pb = ctx.playbook
    if ctx.actor != escalation.to_agent and not pb.is_member(ctx.actor, escalation.to_role):
        raise NotPermitted(
            f"only the receiver ({escalation.to_agent} or another member of "
            f"{escalation.to_role}) can bounce escalation {escalation.number}"
        )
    if escalation.status is not EscalationStatus.ACTIVE:
        raise InvalidTransition(
            f"escalation {escalation.number} is {escalation.status.value}; only an active escalation can be bounced"
        )
    own = ticket.ownership
    if escalation.kind == "handoff" and own.responsible_role != escalation.to_role:
        raise InvalidTransition(
            f"escalation {escalation.number} no longer holds ticket {ticket.id}: "
            f"{own.responsible_role} is responsible now"
        )
    returned_role, returned_agent, level = (
        (escalation.from_role, escalation.from_agent, escalation.from_tier)
        if escalation.kind == "handoff"
        else (own.responsible_role, own.responsible_agent, ticket.escalation_level)
    )
    return [
        ev.EscalationBounced(
            number=escalation.number,
            kind=escalation.kind,
            missing=list(missing),
            comment=c.comment.strip(),
            returned_to_role=returned_role,
            returned_to_agent=returned_agent,
            escalation_level=level,
        )
    ]
