"""The ticket page's rewrite of the handoff brief: an HTML fragment the page fetches
after it has loaded, so the page itself never waits for the LLM."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from baton.assist.rewrite import rewrite_brief
from baton.core.errors import NotFound
from baton.http.deps import BatonDep
from baton.http.ids import PathId
from baton.services.briefs import ticket_brief
from baton.web.pages import Viewer

router = APIRouter(include_in_schema=False)

PROBLEM = Markup('<p class="muted rewrite-problem">{}</p>')
REWRITTEN = Markup(
    '<p class="muted rewrite-by">Rewritten by <strong>{}</strong> from the brief above, '
    'which stays the record.</p><pre class="rewrite-text">{}</pre>'
)


@router.get("/tickets/{ticket_id}/brief/rewrite", response_class=HTMLResponse)
def brief_rewrite(ticket_id: PathId, baton: BatonDep, viewer: Viewer) -> HTMLResponse:
    """Empty when no LLM is configured; otherwise the rewrite and its model, or the
    problem in plain words. Text from the LLM is escaped, never trusted as markup."""
    if viewer is None:
        return HTMLResponse(PROBLEM.format("Sign in again to see the rewritten brief."), status_code=401)
    if not baton.settings.llm_configured:
        return HTMLResponse("")
    try:
        brief = ticket_brief(baton.engine, baton.tickets.versions, ticket_id, baton.clock.now())
    except NotFound as exc:
        return HTMLResponse(PROBLEM.format(exc.detail), status_code=404)
    rewrite = rewrite_brief(brief, baton.settings, baton.rewrites)
    if rewrite.text is None:
        return HTMLResponse(PROBLEM.format(f"No rewrite: {rewrite.problem}."))
    return HTMLResponse(REWRITTEN.format(rewrite.model, rewrite.text))
