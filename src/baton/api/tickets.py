"""/api/v1/tickets: the ticket, its thread, ownership, escalations and trail."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from baton.api.deps import BatonDep, CurrentAgent
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
from baton.app import Baton
from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.errors import NotFound
from baton.core.pipeline import Decision
from baton.core.ticket import Ticket
from baton.services.briefs import ticket_brief
from baton.services.suggestions import ticket_suggestions
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
    _agent: CurrentAgent,
    status: str | None = None,
    role: str | None = None,
    agent: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[TicketSummary]:
    with read_only(baton.engine) as uow:
        rows = uow.tickets.page(status=status, responsible_role=role, agent=agent, limit=limit, offset=offset)
    items = [TicketSummary.model_validate(row, from_attributes=True) for row in rows]
    return Page[TicketSummary](items=items, limit=limit, offset=offset)


@router.post("", status_code=201, response_model=TicketPublic)
def create_ticket(body: TicketCreate, baton: BatonDep, agent: CurrentAgent) -> JSONResponse:
    outcome = baton.tickets.open(
        agent,
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
def get_ticket(ticket_id: int, baton: BatonDep, _agent: CurrentAgent) -> TicketPublic:
    with read_only(baton.engine) as uow:
        return _public(baton, uow.tickets.get(ticket_id))


@router.get("/{ticket_id}/messages", response_model=list[MessagePublic])
def list_messages(ticket_id: int, baton: BatonDep, _agent: CurrentAgent) -> list[MessagePublic]:
    with read_only(baton.engine) as uow:
        uow.tickets.get(ticket_id)
        return [MessagePublic.of(m) for m in uow.tickets.messages(ticket_id)]


@router.post("/{ticket_id}/messages", status_code=201, response_model=MessageCreated)
def add_message(ticket_id: int, body: MessageCreate, baton: BatonDep, agent: CurrentAgent) -> JSONResponse:
    """Add the caller's message; the answer is that message, with what followed it
    (a rule's customer update, say) under ``followed``."""
    command = cmd.AddMessage(body.body, body.visibility, body.author_kind, body.author)
    decision = baton.tickets.execute(agent, ticket_id, command).decision
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
def get_brief(ticket_id: int, baton: BatonDep, _agent: CurrentAgent) -> dict[str, Any]:
    """The handoff brief: problem, desired outcome, steps tried, errors seen, sentiment
    trend, SLA status, customer and recent history, page context; final once resolved."""
    return dataclasses.asdict(ticket_brief(baton.engine, baton.tickets.versions, ticket_id, baton.clock.now()))


@router.get("/{ticket_id}/suggestions")
def get_suggestions(ticket_id: int, baton: BatonDep, _agent: CurrentAgent) -> dict[str, Any]:
    """A suggested category and severity (hints, the trained model, or the playbook's
    fallback, each with its reason) and the most similar resolved tickets with their
    resolutions."""
    with read_only(baton.engine) as uow:
        ticket = uow.tickets.get(ticket_id)
    return ticket_suggestions(baton.classifier, baton.similar_tickets, baton.articles, ticket, baton.clock.now())


@router.get("/{ticket_id}/events", response_model=list[EventPublic])
def list_events(ticket_id: int, baton: BatonDep, _agent: CurrentAgent) -> list[EventPublic]:
    with read_only(baton.engine) as uow:
        uow.tickets.get(ticket_id)
        return [EventPublic.of(r) for r in uow.tickets.events(ticket_id)]


@router.post("/{ticket_id}/status", response_model=TicketPublic)
def change_status(ticket_id: int, body: StatusChange, baton: BatonDep, agent: CurrentAgent) -> TicketPublic:
    command = cmd.ChangeStatus(body.status, body.reason)
    return _public(baton, baton.tickets.execute(agent, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/severity", response_model=TicketPublic)
def change_severity(ticket_id: int, body: SeverityChange, baton: BatonDep, agent: CurrentAgent) -> TicketPublic:
    command = cmd.ChangeSeverity(body.severity, body.reason)
    return _public(baton, baton.tickets.execute(agent, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/category", response_model=TicketPublic)
def change_category(ticket_id: int, body: CategoryChange, baton: BatonDep, agent: CurrentAgent) -> TicketPublic:
    """Correct the category (a rule may react to it); the classification at opening stays on the trail."""
    command = cmd.ChangeCategory(body.category, body.reason)
    return _public(baton, baton.tickets.execute(agent, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/resolve", response_model=TicketPublic)
def resolve(ticket_id: int, body: ResolveRequest, baton: BatonDep, agent: CurrentAgent) -> TicketPublic:
    command = cmd.Resolve(body.resolution)
    return _public(baton, baton.tickets.execute(agent, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/reopen", response_model=TicketPublic)
def reopen(ticket_id: int, body: ReopenRequest, baton: BatonDep, agent: CurrentAgent) -> TicketPublic:
    command = cmd.Reopen(body.reason)
    return _public(baton, baton.tickets.execute(agent, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/close", response_model=TicketPublic)
def close(ticket_id: int, body: CloseRequest, baton: BatonDep, agent: CurrentAgent) -> TicketPublic:
    return _public(baton, baton.tickets.execute(agent, ticket_id, cmd.Close(), body.expected_version).ticket)


@router.post("/{ticket_id}/assignment", response_model=TicketPublic)
def assign(ticket_id: int, body: AssignmentRequest, baton: BatonDep, agent: CurrentAgent) -> TicketPublic:
    command = cmd.AssignResponsible(body.role, body.agent, body.reason)
    return _public(baton, baton.tickets.execute(agent, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/accountable", response_model=TicketPublic)
def transfer_accountability(
    ticket_id: int, body: AccountableRequest, baton: BatonDep, agent: CurrentAgent
) -> TicketPublic:
    command = cmd.TransferAccountability(body.agent, body.reason)
    return _public(baton, baton.tickets.execute(agent, ticket_id, command, body.expected_version).ticket)


@router.post("/{ticket_id}/participants", response_model=TicketPublic)
def add_participant(ticket_id: int, body: ParticipantCreate, baton: BatonDep, agent: CurrentAgent) -> TicketPublic:
    command = cmd.AddParticipant(body.kind, body.role, body.agent)
    return _public(baton, baton.tickets.execute(agent, ticket_id, command, body.expected_version).ticket)


@router.get("/{ticket_id}/escalations", response_model=list[EscalationPublic])
def list_escalations(ticket_id: int, baton: BatonDep, _agent: CurrentAgent) -> list[EscalationPublic]:
    with read_only(baton.engine) as uow:
        return [EscalationPublic.of(e) for e in uow.tickets.get(ticket_id).escalations]


@router.post("/{ticket_id}/escalations", status_code=201, response_model=EscalationCreated)
def escalate(ticket_id: int, body: EscalationCreate, baton: BatonDep, agent: CurrentAgent) -> JSONResponse:
    """Escalate; the answer is the caller's escalation, with what followed it (a rule
    bringing in someone else, say) under ``followed``."""
    command = cmd.Escalate(body.kind, body.target_role, body.reason, body.note, body.target_agent)
    decision = baton.tickets.execute(agent, ticket_id, command, body.expected_version).decision
    made = next(s.event for s in decision.caused if isinstance(s.event, ev.TicketEscalated))
    escalation = decision.ticket.escalation(made.number)
    assert escalation is not None
    created = EscalationCreated(**EscalationPublic.of(escalation).model_dump(), followed=_followed(decision))
    return _created(created, f"/api/v1/tickets/{ticket_id}/escalations/{escalation.number}")


@router.get("/{ticket_id}/escalations/{number}", response_model=EscalationPublic)
def get_escalation(ticket_id: int, number: int, baton: BatonDep, _agent: CurrentAgent) -> EscalationPublic:
    with read_only(baton.engine) as uow:
        escalation = uow.tickets.get(ticket_id).escalation(number)
    if escalation is None:
        raise NotFound(f"ticket {ticket_id} has no escalation {number}")
    return EscalationPublic.of(escalation)


@router.post("/{ticket_id}/escalations/{number}/bounce", response_model=EscalationPublic)
def bounce(ticket_id: int, number: int, body: BounceRequest, baton: BatonDep, agent: CurrentAgent) -> EscalationPublic:
    command = cmd.Bounce(number, tuple(body.missing), body.comment)
    ticket = baton.tickets.execute(agent, ticket_id, command, body.expected_version).ticket
    escalation = ticket.escalation(number)
    assert escalation is not None
    return EscalationPublic.of(escalation)
