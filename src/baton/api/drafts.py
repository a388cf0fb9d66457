"""/api/v1/tickets/{id}/drafts: public replies waiting for the accountable agent.

Under ``customer_voice`` a public reply from someone involved who does not speak to
the customer is kept as a draft (``ReplyDrafted``); the accountable agent (or a lead)
sends it as written or edited (``DraftSent`` and the message), or discards it."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from baton.api.callers import CurrentCaller
from baton.api.deps import BatonDep
from baton.api.params import DraftNumber, TicketId
from baton.api.schemas import MessagePublic
from baton.api.text import LongText, Reason
from baton.app import Baton
from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.policy import Action, Caller, require_on
from baton.core.ticket import Draft, Ticket
from baton.services.unit_of_work import read_only

router = APIRouter(prefix="/tickets", tags=["drafts"])


class DraftPublic(BaseModel):
    number: int
    author: str
    """Who wrote it."""
    for_agent: str
    """Who is to send it: the accountable agent when it was written."""
    body: str
    written_at: datetime

    @classmethod
    def of(cls, d: Draft) -> DraftPublic:
        return cls(number=d.number, author=d.author, for_agent=d.for_agent, body=d.body, written_at=d.written_at)


class DraftSend(BaseModel):
    body: LongText | None = Field(default=None, min_length=1, description="The reply as edited; absent: as drafted.")
    expected_version: int | None = Field(default=None, ge=1)


class DraftDiscard(BaseModel):
    reason: Reason = ""
    expected_version: int | None = Field(default=None, ge=1)


class DraftSent(MessagePublic):
    """The message that went to the customer."""

    draft: int
    edited: bool


def seen(baton: Baton, caller: Caller, ticket: Ticket, action: Action) -> Ticket:
    require_on(caller, action, ticket, baton.tickets.versions.governing(ticket.playbook_version))
    return ticket


@router.get("/{ticket_id}/drafts", response_model=list[DraftPublic])
def list_drafts(ticket_id: TicketId, baton: BatonDep, caller: CurrentCaller) -> list[DraftPublic]:
    """Pending drafts, oldest first."""
    with read_only(baton.engine) as uow:
        ticket = seen(baton, caller, uow.tickets.get(ticket_id), Action.READ_INTERNAL)
    return [DraftPublic.of(d) for d in ticket.drafts]


@router.post("/{ticket_id}/drafts/{draft}/send", response_model=DraftSent)
def send_draft(
    ticket_id: TicketId, draft: DraftNumber, body: DraftSend, baton: BatonDep, caller: CurrentCaller
) -> DraftSent:
    outcome = baton.tickets.execute(caller, ticket_id, cmd.SendDraft(draft, body.body), body.expected_version)
    sent = next(s.event for s in outcome.decision.caused if isinstance(s.event, ev.DraftSent))
    message = next(s.event for s in outcome.decision.caused if isinstance(s.event, ev.MessageAdded))
    return DraftSent(
        number=message.number,
        author_kind=message.author_kind,
        author=message.author,
        visibility=message.visibility,
        body=message.body,
        created_at=outcome.decision.now,
        draft=sent.draft,
        edited=sent.edited,
    )


@router.post("/{ticket_id}/drafts/{draft}/discard", status_code=204)
def discard_draft(
    ticket_id: TicketId, draft: DraftNumber, body: DraftDiscard, baton: BatonDep, caller: CurrentCaller
) -> None:
    baton.tickets.execute(caller, ticket_id, cmd.DiscardDraft(draft, body.reason), body.expected_version)
