"""/reports: the weekly escalation report as a page, with the same figures and
charts as the file ``baton report weekly`` writes; signed-in only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from baton.app import Baton
from baton.core.errors import NotFound
from baton.http.deps import BatonDep
from baton.integrations.importers.baton_history import SOURCE
from baton.integrations.importers.stored import list_histories
from baton.reports.render import context, draw, environment
from baton.reports.weekly import EmptyHistory, weekly_report
from baton.reports.weeks import IsoWeek, WeekError
from baton.web.pages import Viewer, common_context, to_sign_in

templates = Jinja2Templates(env=environment(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)


def _error(request: Request, baton: Baton, viewer: str, detail: str, status: int) -> Response:
    body = {**common_context(baton, viewer), "detail": detail}
    return templates.TemplateResponse(request, "error.html", body, status_code=status)


@router.get("/reports", response_class=HTMLResponse)
def reports_home(request: Request, baton: BatonDep, viewer: Viewer) -> Response:
    """The weekly report of the last full week of Baton's own history."""
    return weekly_page(request, baton, viewer)


@router.get("/reports/weekly", response_class=HTMLResponse)
def weekly_page(
    request: Request,
    baton: BatonDep,
    viewer: Viewer,
    week: Annotated[str | None, Query(description="ISO week, e.g. 2026-W46")] = None,
    source: str = SOURCE,
) -> Response:
    if viewer is None:
        return to_sign_in(request)
    now = baton.clock.now()
    try:
        chosen = IsoWeek.parse(week) if week else IsoWeek.last_full_before(now.date())
    except WeekError as exc:
        return _error(request, baton, viewer, str(exc), 422)
    try:
        report = weekly_report(baton.engine, baton.playbook, source, chosen, now)
    except NotFound as exc:
        return _error(request, baton, viewer, exc.detail, 404)
    except EmptyHistory as exc:
        return _error(request, baton, viewer, str(exc), 404)
    sources = [SOURCE, *(h.name for h in list_histories(baton.engine))]
    body = {
        **common_context(baton, viewer),
        "sources": sources,
        **context(report, draw(report), link_tickets=True),
    }
    return templates.TemplateResponse(request, "page.html", body)
