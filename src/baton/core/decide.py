"""Deciding: a command, the ticket as it stands, the playbook and ``now`` in;
the events it causes out. Refusals raise a :class:`DomainError` and change nothing.
"""

from __future__ import annotations

from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.checks import (
    BODY_MAX,
    SETTABLE_STATUSES,
    SUBJECT_MAX,
    Context,
    check_known,
    check_reason,
    check_text,
    refuse_if,
    require_active,
)
from baton.core.errors import (
    FieldError,
    InvalidCommand,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from baton.core.escalation import bounce, escalate, missing_note_fields
from baton.core.routing import assign
from baton.core.ticket import Draft, Status, Ticket

__all__ = ["Context", "decide", "missing_note_fields", "open_ticket"]


def open_ticket(command: cmd.OpenTicket, ctx: Context) -> list[ev.Event]:
    pb = ctx.playbook
    errors: list[FieldError] = []
    check_text(command.subject, "subject", SUBJECT_MAX, errors)
    check_text(command.body, "body", BODY_MAX, errors)
    check_known(command.severity, "severity", pb.severities, errors)
    check_known(command.category, "category", pb.categories, errors)
    check_known(command.channel, "channel", dict.fromkeys(pb.channels), errors)
    check_known(command.customer.tier, "customer tier", pb.customer_tiers, errors)
    role_name = command.role or pb.intake_role
    check_known(role_name, "role", pb.roles, errors)
    if command.agent is not None:
        check_known(command.agent, "agent", pb.agents, errors)
    refuse_if(errors, "cannot open the ticket")
    role = pb.roles[role_name]
    routed = assign(role, pb, ctx.load, ctx.now, command.category, command.agent)
    agent = routed.agent
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
            routing=routed.reason,
            sentiment=command.sentiment,
        )
    ]


def decide(ticket: Ticket, command: cmd.TicketCommand, ctx: Context) -> list[ev.Event]:
    """The events ``command`` causes on ``ticket``; raises if it is refused."""
    match command:
        case cmd.AddMessage():
            return _add_message(ticket, command, ctx)
        case cmd.DraftReply():
            return _draft_reply(ticket, command, ctx)
        case cmd.SendDraft():
            return _send_draft(ticket, command, ctx)
        case cmd.DiscardDraft():
            return _discard_draft(ticket, command)
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
            return escalate(ticket, command, ctx)
        case cmd.Bounce():
            return bounce(ticket, command, ctx)
    raise TypeError(f"not a ticket command: {command!r}")  # pragma: no cover


def _add_message(ticket: Ticket, c: cmd.AddMessage, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    check_text(c.body, "body", BODY_MAX, errors)
    if c.visibility not in ("public", "internal"):
        errors.append(FieldError("visibility", "must be 'public' or 'internal'"))
    kinds = ("agent", "customer", "system") if ctx.system else ("agent", "customer")
    if c.author_kind not in kinds:
        errors.append(FieldError("author_kind", "must be 'agent' or 'customer'"))
    if c.author_kind == "customer" and c.visibility == "internal":
        errors.append(FieldError("visibility", "a customer message is always public"))
    if c.author_kind == "customer" and not (c.author or "").strip():
        errors.append(FieldError("author", "name the customer contact who wrote"))
    refuse_if(errors, "cannot add the message")
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


def _draft_reply(ticket: Ticket, c: cmd.DraftReply, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    check_text(c.body, "body", BODY_MAX, errors)
    refuse_if(errors, "cannot draft the reply")
    if ticket.status is Status.CLOSED:
        raise InvalidTransition(f"ticket {ticket.id} is closed; open a follow-up ticket instead")
    return [ev.ReplyDrafted(ticket.draft_count + 1, ctx.actor, c.body, ticket.ownership.accountable_agent)]


def _pending_draft(ticket: Ticket, number: int) -> Draft:
    draft = ticket.draft(number)
    if draft is None:
        raise NotFound(f"ticket {ticket.id} has no pending draft {number}")
    return draft


def _send_draft(ticket: Ticket, c: cmd.SendDraft, ctx: Context) -> list[ev.Event]:
    draft = _pending_draft(ticket, c.draft)
    body = draft.body if c.body is None else c.body
    reply = _add_message(ticket, cmd.AddMessage(body), ctx)
    sent = reply[0]
    assert isinstance(sent, ev.MessageAdded)
    return [ev.DraftSent(draft.number, sent.number, body != draft.body), *reply]


def _discard_draft(ticket: Ticket, c: cmd.DiscardDraft) -> list[ev.Event]:
    check_reason(c.reason, "discard the draft")
    draft = _pending_draft(ticket, c.draft)
    return [ev.DraftDiscarded(draft.number, c.reason)]


def _change_status(ticket: Ticket, c: cmd.ChangeStatus, ctx: Context) -> list[ev.Event]:
    check_reason(c.reason, "change the status")
    allowed = ", ".join(s.value for s in SETTABLE_STATUSES)
    if c.status not in {s.value for s in SETTABLE_STATUSES}:
        raise InvalidCommand(
            f"status {c.status!r} cannot be set directly; choose one of {allowed} "
            "(resolve, reopen and close have their own commands)",
            (FieldError("status", f"must be one of {allowed}"),),
        )
    require_active(ticket, "change the status of")
    if ticket.status.value == c.status:
        raise InvalidTransition(f"ticket {ticket.id} is already {c.status}")
    return [ev.StatusChanged(ticket.status.value, c.status, c.reason)]


def _change_severity(ticket: Ticket, c: cmd.ChangeSeverity, ctx: Context) -> list[ev.Event]:
    check_reason(c.reason, "change the severity")
    errors: list[FieldError] = []
    check_known(c.severity, "severity", ctx.playbook.severities, errors)
    refuse_if(errors, "cannot change the severity")
    require_active(ticket, "change the severity of")
    if ticket.severity == c.severity:
        raise InvalidTransition(f"ticket {ticket.id} is already {c.severity}")
    return [ev.SeverityChanged(ticket.severity, c.severity, c.reason)]


def _change_category(ticket: Ticket, c: cmd.ChangeCategory, ctx: Context) -> list[ev.Event]:
    check_reason(c.reason, "change the category")
    errors: list[FieldError] = []
    check_known(c.category, "category", ctx.playbook.categories, errors)
    refuse_if(errors, "cannot change the category")
    require_active(ticket, "change the category of")
    if ticket.category == c.category:
        raise InvalidTransition(f"ticket {ticket.id} is already in {c.category}")
    return [ev.CategoryChanged(ticket.category, c.category, c.reason)]


def _notify(ticket: Ticket, c: cmd.Notify, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    check_known(c.role, "role", ctx.playbook.roles, errors)
    check_text(c.message, "message", 2_000, errors)
    if c.agent and c.role in ctx.playbook.roles and not ctx.playbook.is_member(c.agent, c.role):
        errors.append(FieldError("agent", f"{c.agent!r} is not a member of {c.role!r}"))
    refuse_if(errors, "cannot notify")
    return [ev.RoleNotified(c.role, c.message.strip(), c.agent)]


def _change_customer_tier(ticket: Ticket, c: cmd.ChangeCustomerTier, ctx: Context) -> list[ev.Event]:
    check_reason(c.reason, "change the customer tier")
    errors: list[FieldError] = []
    check_known(c.tier, "customer tier", ctx.playbook.customer_tiers, errors)
    refuse_if(errors, "cannot change the customer tier")
    require_active(ticket, "change the customer tier of")
    if ticket.customer_tier == c.tier:
        raise InvalidTransition(f"ticket {ticket.id} is already {c.tier}")
    return [ev.CustomerTierChanged(ticket.customer_tier, c.tier, c.reason)]


def _resolve(ticket: Ticket, c: cmd.Resolve, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    check_text(c.resolution, "resolution", BODY_MAX, errors)
    refuse_if(errors, "cannot resolve")
    require_active(ticket, "resolve")
    return [ev.TicketResolved(ticket.status.value, c.resolution.strip())]


def _reopen(ticket: Ticket, c: cmd.Reopen, ctx: Context) -> list[ev.Event]:
    errors: list[FieldError] = []
    check_text(c.reason, "reason", BODY_MAX, errors)
    refuse_if(errors, "cannot reopen")
    if ticket.status is not Status.RESOLVED:
        raise InvalidTransition(f"only a resolved ticket can be reopened; ticket {ticket.id} is {ticket.status.value}")
    return [ev.TicketReopened(ticket.status.value, c.reason.strip())]


def _close(ticket: Ticket, ctx: Context) -> list[ev.Event]:
    if ticket.status is not Status.RESOLVED:
        raise InvalidTransition(f"only a resolved ticket can be closed; ticket {ticket.id} is {ticket.status.value}")
    return [ev.TicketClosed(ticket.status.value)]


def _assign(ticket: Ticket, c: cmd.AssignResponsible, ctx: Context) -> list[ev.Event]:
    check_reason(c.reason, "reassign the ticket")
    pb = ctx.playbook
    errors: list[FieldError] = []
    check_known(c.role, "role", pb.roles, errors)
    refuse_if(errors, "cannot assign")
    require_active(ticket, "reassign")
    role = pb.roles[c.role]
    routed = assign(role, pb, ctx.load, ctx.now, ticket.category, c.agent)
    agent = routed.agent
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
            load=dict(routed.load),
            routing=routed.reason,
        )
    ]


def _transfer(ticket: Ticket, c: cmd.TransferAccountability, ctx: Context) -> list[ev.Event]:
    check_reason(c.reason, "transfer accountability")
    errors: list[FieldError] = []
    check_known(c.agent, "agent", ctx.playbook.agents, errors)
    refuse_if(errors, "cannot transfer accountability")
    own = ticket.ownership
    require_active(ticket, "transfer accountability for")
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
        check_known(c.role, "role", pb.roles, errors)
    if c.agent is not None:
        check_known(c.agent, "agent", pb.agents, errors)
    refuse_if(errors, "cannot add the participant")
    require_active(ticket, "add participants to")
    agent = c.agent
    if c.role is not None and c.agent is not None:
        agent = assign(pb.roles[c.role], pb, ctx.load, ctx.now, ticket.category, c.agent).agent
    elif c.role is not None and c.kind == "consulted":
        agent = assign(pb.roles[c.role], pb, ctx.load, ctx.now, ticket.category).agent
    return [ev.ParticipantAdded(c.kind, c.role, agent)]
