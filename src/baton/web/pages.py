"""Plain server-rendered pages: the ticket list and a ticket with its thread
and trail. Signing in takes an API token and keeps it in an HttpOnly cookie."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from baton.app import Baton
from baton.core import events as ev
from baton.core.errors import NotFound
from baton.http.clocks import ClockPublic
from baton.http.deps import BatonDep
from baton.services.briefs import ticket_brief
from baton.services.outbox import notifications_for
from baton.services.suggestions import ticket_suggestions
from baton.services.tokens import agent_for_token
from baton.services.unit_of_work import read_only

COOKIE = "baton_token"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def business_duration(seconds: float) -> str:
    """'2h 05m' style, with a minus sign once a target is overdue."""
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours}h {minutes:02d}m" if hours else f"{sign}{minutes}m"


templates.env.filters["duration"] = business_duration
router = APIRouter(include_in_schema=False)


def _signed_in(request: Request, baton: BatonDep) -> str | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return agent_for_token(baton.engine, token)
    except NotFound:
        return None


Viewer = Annotated[str | None, Depends(_signed_in)]


def to_sign_in(request: Request) -> RedirectResponse:
    """To the sign-in page, coming back to this page (and its query) afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def describe(event: ev.Event) -> str:
    """One line a person can read for each event in the trail."""
    match event:
        case ev.TicketOpened():
            return (
                f"opened for {event.customer_name} ({event.customer_tier}), {event.severity}, "
                f"{event.category}; {event.responsible_agent} ({event.responsible_role}) owns it"
            )
        case ev.MessageAdded():
            kind = "internal note" if event.visibility == "internal" else "public reply"
            return f"{kind} #{event.number} by {event.author} ({event.author_kind})"
        case ev.StatusChanged():
            why = f" ({event.reason})" if event.reason else ""
            return f"status {event.previous} → {event.status}{why}"
        case ev.SeverityChanged():
            return f"severity {event.previous} → {event.severity}"
        case ev.TicketResolved():
            return f"resolved: {event.resolution}"
        case ev.TicketReopened():
            return f"reopened: {event.reason}"
        case ev.TicketClosed():
            return "closed"
        case ev.ResponsibleAssigned():
            before = f"{event.previous_agent} ({event.previous_role})"
            return f"responsibility {before} → {event.agent} ({event.role})"
        case ev.AccountableAssigned():
            return f"accountability {event.previous} → {event.agent}"
        case ev.ParticipantAdded():
            return f"{event.kind}: {event.agent or ''} {('(' + event.role + ')') if event.role else ''}"
        case ev.TicketEscalated():
            return (
                f"{event.direction} {event.kind} #{event.number}: {event.from_agent} ({event.from_role}, "
                f"tier {event.from_tier}) → {event.to_agent} ({event.to_role}, tier {event.to_tier}); "
                f"reason: {event.reason}"
            )
        case ev.RuleFired():
            inputs = ", ".join(f"{k}={v!r}" for k, v in event.inputs.items()) or "no conditions"
            return f"rule {event.rule} fired {event.trigger}, on {inputs}: {'; '.join(event.actions)}"
        case ev.RuleActionRefused():
            return f"rule {event.rule} could not {event.action}: {event.reason}"
        case ev.RuleChainStopped():
            return f"stopped rules {', '.join(event.rules)}: {event.reason}"
        case ev.RoleNotified():
            to = f"{event.agent} ({event.role})" if event.agent else event.role
            return f"notified {to}: {event.message}"
        case ev.TicketClassified():
            took = f"; took its {' and '.join(event.applied)}" if event.applied else ""
            return f"classified {event.category} ({event.source}, {event.confidence:.2f}){took}: {event.reason}"
        case ev.SuggestionsPushed():
            to = f"{event.agent} ({event.role})" if event.agent else event.role
            found = [f"#{t['ticket_id']}" for t in event.tickets] + [f"article {a['title']}" for a in event.articles]
            return f"rule {event.rule} pushed to {to}: {', '.join(found) or event.note}"
        case ev.CategoryChanged():
            return f"category {event.previous} → {event.category}"
        case ev.CustomerTierChanged():
            return f"customer tier {event.previous} → {event.customer_tier}"
        case ev.SlaClockStarted():
            return f"{event.target.replace('_', ' ')} clock started: {event.policy}, {event.calendar}"
        case ev.SlaThresholdReached():
            return (
                f"{event.target.replace('_', ' ')} at {event.percent} %: "
                f"{business_duration(event.remaining)} of business time left"
            )
        case ev.SlaBreached():
            return f"{event.target.replace('_', ' ')} BREACHED ({business_duration(event.elapsed)} spent)"
        case ev.SlaClockStopped():
            return f"{event.target.replace('_', ' ')} clock stopped: {'met' if event.met else 'after breach'}"
        case ev.SlaClockPaused() | ev.SlaClockResumed() | ev.SlaClockRetargeted():
            return f"{event.target.replace('_', ' ')} clock {event.type.removeprefix('SlaClock').lower()}"
        case ev.EscalationBounced():
            return (
                f"{event.kind} #{event.number} bounced back to {event.returned_to_agent} "
                f"({event.returned_to_role}); missing: {', '.join(event.missing)}"
            )
    return event.type


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", error: str = "") -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": next, "error": error})


@router.post("/login")
async def login(request: Request, baton: BatonDep) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = form.get("token", [""])[0].strip()
    target = form.get("next", ["/"])[0]
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    try:
        agent_for_token(baton.engine, token)
    except NotFound:
        return templates.TemplateResponse(
            request,
            "login.html",
            {"next": target, "error": "That token is unknown or revoked."},
            status_code=401,
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=8 * 3600)
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def common_context(baton: Baton, viewer: str) -> dict[str, object]:
    """What every signed-in page's template needs: who is looking, and the playbook."""
    return {"viewer": viewer, "playbook": baton.playbook}


@router.get("/", response_class=HTMLResponse)
def ticket_list(
    request: Request,
    baton: BatonDep,
    viewer: Viewer,
    status: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    if viewer is None:
        return to_sign_in(request)
    size = 50
    with read_only(baton.engine) as uow:
        rows = uow.tickets.page(status=status or None, limit=size + 1, offset=(page - 1) * size)
        total = uow.tickets.count(status=status or None)
    return templates.TemplateResponse(
        request,
        "tickets.html",
        {
            **common_context(baton, viewer),
            "rows": rows[:size],
            "page": page,
            "more": len(rows) > size,
            "status": status or "",
            "total": total,
            "notifications": notifications_for(baton.reads, viewer, limit=10),
        },
    )


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, ticket_id: int, baton: BatonDep, viewer: Viewer) -> Response:
    if viewer is None:
        return to_sign_in(request)
    try:
        with read_only(baton.engine) as uow:
            ticket = uow.tickets.get(ticket_id)
            customer = uow.customers.get(ticket.customer_id)
            messages = uow.tickets.messages(ticket_id)
            trail = uow.tickets.events(ticket_id)
    except NotFound as exc:
        return templates.TemplateResponse(
            request, "missing.html", {**common_context(baton, viewer), "detail": exc.detail}, status_code=404
        )
    governing = baton.tickets.versions.governing(ticket.playbook_version)
    return templates.TemplateResponse(
        request,
        "ticket.html",
        {
            **common_context(baton, viewer),
            "ticket": ticket,
            "customer": customer,
            "messages": messages,
            "trail": [(r, describe(r.event)) for r in trail],
            "clocks": [ClockPublic.of(c, baton.clock.now(), governing.calendars) for c in ticket.clocks],
            "governing": governing,
            "brief": ticket_brief(baton.engine, baton.tickets.versions, ticket_id, baton.clock.now()),
            "llm_configured": baton.settings.llm_configured,
            "suggestions": (
                ticket_suggestions(baton.classifier, baton.similar_tickets, baton.articles, ticket, baton.clock.now())
                if ticket.status.is_active
                else None
            ),
            "pushed": next((r for r in reversed(trail) if isinstance(r.event, ev.SuggestionsPushed)), None),
        },
    )
