"""/api/v1/tickets/{id}/trail: whether the ticket's recorded events still verify
against their hash chain and the latest anchor (see ``baton audit verify``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from baton.api.callers import CurrentCaller
from baton.api.deps import BatonDep
from baton.api.drafts import seen
from baton.core.errors import NotFound
from baton.core.policy import Action, permits
from baton.core.trail import ProblemKind
from baton.services.trail import verify_trail

router = APIRouter(prefix="/tickets", tags=["tickets"])

TrailTicketId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The ticket's id.")]


class TrailProblemPublic(BaseModel):
    position: int = Field(description="The event's position in the ticket's trail (its seq).")
    kind: ProblemKind = Field(description="edited, deleted, inserted or reordered.")
    detail: str = Field(description="What does not verify, in words.")


class TrailPublic(BaseModel):
    verified: bool = Field(description="True when every event verifies and none is missing.")
    problems: list[TrailProblemPublic]
    events_checked: int = Field(description="How many stored events were checked.")


@router.get("/{ticket_id}/trail", response_model=TrailPublic)
def get_trail(ticket_id: TrailTicketId, baton: BatonDep, caller: CurrentCaller) -> TrailPublic:
    """Check the ticket's trail: each event's hash over its content and the one before
    it, and the head the latest anchor saw. Always 200 for a ticket the caller may read
    internally: ``verified`` says whether it holds. A ticket deleted since an anchor saw
    it is reported (its events deleted) to those who verify the audit trail (leads)."""
    with baton.reads() as uow:
        try:
            ticket = uow.tickets.get(ticket_id)
        except NotFound:
            ticket = None
    if ticket is not None:
        seen(baton, caller, ticket, Action.READ_INTERNAL)
    elif not permits(caller, Action.VERIFY_AUDIT):
        raise NotFound(f"ticket {ticket_id} does not exist")
    check = verify_trail(baton.reads, ticket_id)
    return TrailPublic(
        verified=check.verified,
        problems=[TrailProblemPublic(position=p.position, kind=p.kind, detail=p.detail) for p in check.problems],
        events_checked=check.checked,
    )
