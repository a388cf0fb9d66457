"""/api/v1/tickets/{id}/brief/rewrite: the handoff brief rewritten by the optional LLM."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from baton.api.callers import CurrentCaller
from baton.api.deps import BatonDep
from baton.api.drafts import seen
from baton.api.params import TicketId
from baton.assist.rewrite import rewrite_brief
from baton.core.policy import Action
from baton.services.briefs import ticket_brief
from baton.services.unit_of_work import read_only

router = APIRouter(prefix="/tickets", tags=["tickets"])


class BriefRewritePublic(BaseModel):
    configured: bool = Field(description="Whether an LLM is configured (BATON_LLM_URL).")
    text: str | None = Field(description="The rewritten brief, when the LLM gave one.")
    model: str | None = Field(description="The model that wrote it.")
    problem: str | None = Field(description="Why there is no rewrite, in plain words; the brief stands as built.")


@router.get("/{ticket_id}/brief/rewrite", response_model=BriefRewritePublic)
def get_brief_rewrite(ticket_id: TicketId, baton: BatonDep, caller: CurrentCaller) -> BriefRewritePublic:
    """The handoff brief rewritten for the specialist taking over by the LLM the admin
    configured. Always 200 for a ticket that exists: when no LLM is configured, or it
    fails, is slow or answers nonsense, ``problem`` says so and ``text`` is null."""
    with read_only(baton.engine) as uow:
        seen(baton, caller, uow.tickets.get(ticket_id), Action.READ_INTERNAL)
    brief = ticket_brief(baton.engine, baton.tickets.versions, ticket_id, baton.clock.now())
    rewrite = rewrite_brief(brief, baton.settings, baton.rewrites)
    return BriefRewritePublic(
        configured=baton.settings.llm_configured, text=rewrite.text, model=rewrite.model, problem=rewrite.problem
    )
