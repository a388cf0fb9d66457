"""Escalations: the note the playbook requires, assist and handoff, and the bounce."""

from __future__ import annotations

from collections.abc import Mapping

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.checks import Context, check_known, check_text, refuse_if, require_active
from baton.core.errors import (
    FieldError,
    IncompleteHandoffNote,
    InvalidCommand,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from baton.core.playbook import EscalationKind, Playbook
from baton.core.routing import assign
from baton.core.ticket import EscalationStatus, Ticket


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


def escalate(ticket: Ticket, c: cmd.Escalate, ctx: Context) -> list[ev.Event]:
    pb = ctx.playbook
    errors: list[FieldError] = []
    check_text(c.reason, "reason", 2_000, errors)
    check_known(c.target_role, "target_role", pb.roles, errors)
    if c.target_agent is not None:
        check_known(c.target_agent, "target_agent", pb.agents, errors)
    require_active(ticket, "escalate")
    note_errors = missing_note_fields(pb, c.kind, c.note)
    if note_errors:
        everything = tuple(errors + note_errors)
        raise IncompleteHandoffNote(
            f"the {c.kind.value} note is incomplete: " + ", ".join(e.field.removeprefix("note.") for e in note_errors),
            everything,
        )
    refuse_if(errors, f"cannot {c.kind.value}")
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
    routed = assign(target, pb, ctx.load, ctx.now, ticket.category, c.target_agent)
    to_agent = routed.agent
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
            load=dict(routed.load),
            routing=routed.reason,
        )
    ]


def bounce(ticket: Ticket, c: cmd.Bounce, ctx: Context) -> list[ev.Event]:
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
