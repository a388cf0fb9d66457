"""/api/v1/tickets: the ticket, its thread, ownership, escalations and trail."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from baton.api.callers import CurrentCaller
from baton.api.deps import BatonDep
from baton.api.drafts import DraftPublic, seen
from baton.api.params import EscalationNumber, Offset, TicketId
from baton.api.schemas import (
    AccountableRequest,
    AssignmentRequest,
    BounceRequest,
    CategoryChange,
    CloseRequest,
    EscalationCreate,
    EscalationCreated,
    EscalationPublic,
    EventPublic,
    FollowedPublic,
    MessageCreate,
    MessageCreated,
    MessagePublic,
    Page,
    ParticipantCreate,
    ReopenRequest,
    ResolveRequest,
    SeverityChange,
    StatusChange,
    TicketCreate,
    TicketPublic,
    TicketSummary,
)
from baton.api.text import Label, Name
from baton.app import Baton
from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.errors import NotFound
from baton.core.pipeline import Decision
from baton.core.policy import Action, read_scope, reads_internal
from baton.core.ticket import Ticket
from baton.services.briefs import ticket_brief
from baton.services.suggestions import ticket_suggestions, visible_suggestions
from baton.services.tickets import NewCustomer, NewTicket
from baton.services.unit_of_work import read_only

router = APIRouter(prefix="/tickets", tags=["tickets"])


def _public(baton: Baton, ticket: Ticket) -> TicketPublic:
    calendars = baton.tickets.versions.governing(ticket.playbook_version).calendars
    return TicketPublic.of(ticket, baton.clock.now(), calendars)


def _followed(decision: Decision) -> list[FollowedPublic]:
    return [FollowedPublic.of(step) for step in decision.followed]


def _created(payload: TicketPublic | EscalationPublic | MessagePublic, location: str) -> JSONResponse:
    return JSONResponse(payload.model_dump(mode="json"), status_code=201, headers={"Location": location})


@router.get("", response_model=Page[TicketSummary])
def list_tickets(
    baton: BatonDep,
    caller: CurrentCaller,
    status: Label | None = None,
    role: Name | None = None,
    agent: Name | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> Page[TicketSummary]:
    with read_only(baton.engine) as uow:
        scope = read_scope(caller, baton.playbook)
        rows = uow.tickets.page(
            status=status, responsible_role=role, agent=agent, limit=limit, offset=offset, scope=scope
        )
    items = [TicketSummary.model_validate(row, from_attributes=True) for row in rows]
    return Page[TicketSummary](items=items, limit=limit, offset=offset)


@router.post("", status_code=201, response_model=TicketPublic)
def create_ticket(body: TicketCreate, baton: BatonDep, caller: CurrentCaller) -> JSONResponse:
    outcome = baton.tickets.open(
        caller,
        NewTicket(
            subject=body.subject,
            body=body.body,
            severity=body.severity,
            category=body.category,
            channel=body.channel,
            customer_id=body.customer_id,
            customer=NewCustomer(body.customer.name, body.customer.tier) if body.customer else None,
            page_context=body.page_context,
            role=body.role,
            agent=body.agent,
        ),
    )
    ticket = outcome.ticket
    return _created(_public(baton, ticket), f"/api/v1/tickets/{ticket.id}")


@router.get("/{ticket_id}", response_model=TicketPublic)
def get_ticket(ticket_id: TicketId, baton: BatonDep, caller: CurrentCaller) -> TicketPublic:
    with read_only(baton.engine) as uow:
        return _public(baton, seen(baton, caller, uow.tickets.get(ticket_id), Action.READ_TICKET))


@router.get("/{ticket_id}/messages", response_model=list[MessagePublic])
def list_messages(ticket_id: TicketId, baton: BatonDep, caller: CurrentCaller) -> list[MessagePublic]:
    """The thread; internal notes only for the people involved in the ticket and leads."""
    with read_only(baton.engine) as uow:
        ticket = seen(baton, caller, uow.tickets.get(ticket_id), Action.READ_TICKET)
        internal = reads_internal(caller, ticket, baton.tickets.versions.governing(ticket.playbook_version))
        messages = uow.tickets.messages(ticket_id)
    return [MessagePublic.of(m) for m in messages if internal or m.visibility != "internal"]


@router.post(
    "/{ticket_id}/messages",
    status_code=201,
    response_model=MessageCreated,
    responses={
        202: {"model": DraftPublic, "description": "The public reply was kept as a draft for the accountable agent."}
    },
)
def add_message(ticket_id: TicketId, body: MessageCreate, baton: BatonDep, caller: CurrentCaller) -> JSONResponse:
    """Add the caller's message; the answer is that message, with what followed it
    (a rule's customer update, say) under ``followed``. A public reply from someone
    involved who does not speak to the customer (the playbook's ``customer_voice``)
    becomes a draft for the accountable agent: 202 with the draft."""
    command = cmd.AddMessage(body.body, body.visibility, body.author_kind, body.author)
    decision = baton.tickets.execute(caller, ticket_id, command).decision
    drafted = next((s.event for s in decision.caused if isinstance(s.event, ev.ReplyDrafted)), None)
    if drafted is not None:
        draft = decision.ticket.draft(drafted.draft)
        assert draft is not None
        location = f"/api/v1/tickets/{ticket_id}/drafts/{draft.number}"
        payload = DraftPublic.of(draft).model_dump(mode="json")
        return JSONResponse(payload, status_code=202, headers={"Location": location})
    added = next(s.event for s in decision.caused if isinstance(s.event, ev.MessageAdded))
    created = MessageCreated(
        number=added.number,
        author_kind=added.author_kind,
        author=added.author,
        visibility=added.visibility,
        body=added.body,
        created_at=decision.now,
        followed=_followed(decision),
    )
    return _created(created, f"/api/v1/tickets/{ticket_id}/messages/{added.number}")


@router.get("/{ticket_id}/brief")
def get_brief(ticket_id: TicketId, baton: BatonDep, caller: CurrentCaller) -> dict[str, Any]:
    """The handoff brief: problem, desired outcome, steps tried, errors seen, sentiment
    trend, SLA status, customer and recent history, page context; final once resolved."""
    with read_only(baton.engine) as uow:
        seen(baton, caller, uow.tickets.get(ticket_id), Action.READ_INTERNAL)
    return dataclasses.asdict(ticket_brief(baton.engine, baton.tickets.versions, ticket_id, baton.clock.now()))


@router.get("/{ticket_id}/suggestions")
def get_suggestions(ticket_id: TicketId, baton: BatonDep, caller: CurrentCaller) -> dict[str, Any]:
    """A suggested category and severity (hints, the trained model, or the playbook's
    fallback, each with its reason) and the most similar resolved tickets with their
    resolutions."""
    with read_only(baton.engine) as uow:
        ticket = seen(baton, caller, uow.tickets.get(ticket_id), Action.READ_TICKET)
    found = ticket_suggestions(baton.classifier, baton.similar_tickets, baton.articles, ticket, baton.clock.now())
    return visible_suggestions(baton.engine, baton.playbook, caller, found)


@router.get("/{ticket_id}/events", response_model=list[EventPublic])
def list_events(ticket_id: TicketId, baton: BatonDep, caller: CurrentCaller) -> list[EventPublic]:
    with read_only(baton.engine) as uow:
        seen(baton, caller, uow.tickets.get(ticket_id), Action.READ_INTERNAL)
        return [EventPublic.of(r) for r in uow.tickets.events(ticket_id)]


@router.post("/{ticket_id}/status", response_model=TicketPublic)
def change_status(ticket_id: TicketId, body: StatusChange, baton: BatonDep, caller: CurrentCaller) -> TicketPublic:
    command = cmd.ChangeStatus(body.status, body.reason)
    return _public(baton, baton.tickets.execute(caller, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/severity", response_model=TicketPublic)
def change_severity(ticket_id: TicketId, body: SeverityChange, baton: BatonDep, caller: CurrentCaller) -> TicketPublic:
    command = cmd.ChangeSeverity(body.severity, body.reason)
    return _public(baton, baton.tickets.execute(caller, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/category", response_model=TicketPublic)
def change_category(ticket_id: TicketId, body: CategoryChange, baton: BatonDep, caller: CurrentCaller) -> TicketPublic:
    """Correct the category (a rule may react to it); the classification at opening stays on the trail."""
    command = cmd.ChangeCategory(body.category, body.reason)
    return _public(baton, baton.tickets.execute(caller, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/resolve", response_model=TicketPublic)
def resolve(ticket_id: TicketId, body: ResolveRequest, baton: BatonDep, caller: CurrentCaller) -> TicketPublic:
    command = cmd.Resolve(body.resolution)
    return _public(baton, baton.tickets.execute(caller, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/reopen", response_model=TicketPublic)
def reopen(ticket_id: TicketId, body: ReopenRequest, baton: BatonDep, caller: CurrentCaller) -> TicketPublic:
    command = cmd.Reopen(body.reason)
    return _public(baton, baton.tickets.execute(caller, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/close", response_model=TicketPublic)
def close(ticket_id: TicketId, body: CloseRequest, baton: BatonDep, caller: CurrentCaller) -> TicketPublic:
    return _public(baton, baton.tickets.execute(caller, ticket_id, cmd.Close(), body.expected_version).ticket)


@router.post("/{ticket_id}/assignment", response_model=TicketPublic)
def assign(ticket_id: TicketId, body: AssignmentRequest, baton: BatonDep, caller: CurrentCaller) -> TicketPublic:
    command = cmd.AssignResponsible(body.role, body.agent, body.reason)
    return _public(baton, baton.tickets.execute(caller, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/accountable", response_model=TicketPublic)
def transfer_accountability(
    ticket_id: TicketId, body: AccountableRequest, baton: BatonDep, caller: CurrentCaller
) -> TicketPublic:
    command = cmd.TransferAccountability(body.agent, body.reason)
    return _public(baton, baton.tickets.execute(caller, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/participants", response_model=TicketPublic)
def add_participant(
    ticket_id: TicketId, body: ParticipantCreate, baton: BatonDep, caller: CurrentCaller
) -> TicketPublic:
    command = cmd.AddParticipant(body.kind, body.role, body.agent)
    return _public(baton, baton.tickets.execute(caller, ticket_id, command, body.expected_version).ticket)


@router.get("/{ticket_id}/escalations", response_model=list[EscalationPublic])
def list_escalations(ticket_id: TicketId, baton: BatonDep, caller: CurrentCaller) -> list[EscalationPublic]:
    with read_only(baton.engine) as uow:
        ticket = seen(baton, caller, uow.tickets.get(ticket_id), Action.READ_TICKET)
    return [EscalationPublic.of(e) for e in ticket.escalations]


@router.post("/{ticket_id}/escalations", status_code=201, response_model=EscalationCreated)
def escalate(ticket_id: TicketId, body: EscalationCreate, baton: BatonDep, caller: CurrentCaller) -> JSONResponse:
    """Escalate; the answer is the caller's escalation, with what followed it (a rule
    bringing in someone else, say) under ``followed``."""
    command = cmd.Escalate(body.kind, body.target_role, body.reason, body.note, body.target_agent)
    decision = baton.tickets.execute(caller, ticket_id, command, body.expected_version).decision
    made = next(s.event for s in decision.caused if isinstance(s.event, ev.TicketEscalated))
    escalation = decision.ticket.escalation(made.number)
    assert escalation is not None
    created = EscalationCreated(**EscalationPublic.of(escalation).model_dump(), followed=_followed(decision))
    return _created(created, f"/api/v1/tickets/{ticket_id}/escalations/{escalation.number}")


@router.get("/{ticket_id}/escalations/{number}", response_model=EscalationPublic)
def get_escalation(
    ticket_id: TicketId, number: EscalationNumber, baton: BatonDep, caller: CurrentCaller
) -> EscalationPublic:
    with read_only(baton.engine) as uow:
        escalation = seen(baton, caller, uow.tickets.get(ticket_id), Action.READ_TICKET).escalation(number)
    if escalation is None:
        raise NotFound(f"ticket {ticket_id} has no escalation {number}")
    return EscalationPublic.of(escalation)


@router.post("/{ticket_id}/escalations/{number}/bounce", response_model=EscalationPublic)
def bounce(
    ticket_id: TicketId, number: EscalationNumber, body: BounceRequest, baton: BatonDep, caller: CurrentCaller
) -> EscalationPublic:
    command = cmd.Bounce(number, tuple(body.missing), body.comment)
    ticket = baton.tickets.execute(caller, ticket_id, command, body.expected_version).ticket
    escalation = ticket.escalation(number)
    assert escalation is not None
    return EscalationPublic.of(escalation)
