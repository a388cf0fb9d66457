"""Plain server-rendered pages: the ticket list and a ticket with its thread
and trail. Signing in takes an agent's API token and starts a web session: the
browser's cookie holds the session's secret, never the token (``baton.web.session``);
every form carries a CSRF token (``baton.web.forms``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from baton.app import Baton
from baton.core import commands as cmd
from baton.core import events as ev
from baton.core.errors import DomainError, NotFound, NotPermitted
from baton.core.policy import Action, Caller, caller_for, read_scope, reads_internal, require_on, speaks_to_customer
from baton.http.access import authorise_route
from baton.http.clocks import ClockPublic
from baton.http.deps import BatonDep
from baton.http.ids import PathId
from baton.http.security import client_address, session_limits
from baton.http.status import status_of
from baton.services.briefs import ticket_brief
from baton.services.outbox import notifications_for
from baton.services.sessions import sign_in, sign_out
from baton.services.suggestions import ticket_suggestions, visible_suggestions
from baton.services.tokens import TooManyAttempts
from baton.services.trail import verify_trail
from baton.services.unit_of_work import read_only
from baton.web.forms import CheckedForm, LoginForm, csrf_field, forget_login_nonce, keep_login_nonce, prepare_login
from baton.web.session import SESSION_COOKIE, CurrentSession, forget_session, keep_session

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["csrf_field"] = csrf_field


def business_duration(seconds: float) -> str:
    """'2h 05m' style, with a minus sign once a target is overdue."""
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours}h {minutes:02d}m" if hours else f"{sign}{minutes}m"


templates.env.filters["duration"] = business_duration
router = APIRouter(include_in_schema=False)


def _signed_in(request: Request, baton: BatonDep, session: CurrentSession) -> str | None:
    """The signed-in agent, or None (no session, or one that has ended). The page's
    entry in the authorisation policy is checked against them (``request.state.caller``
    holds them as the policy sees them)."""
    if session is None:
        return None
    caller = caller_for(baton.playbook, session.agent)
    authorise_route(request, caller)
    request.state.caller = caller
    return session.agent


Viewer = Annotated[str | None, Depends(_signed_in)]


def caller_of(request: Request) -> Caller:
    """The signed-in viewer as the policy sees them (after :data:`Viewer` let them in)."""
    caller: Caller = request.state.caller
    return caller


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


def _login_page(request: Request, target: str, error: str = "", status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": target, "error": error}, status_code=status_code)


def _safe_target(target: str) -> str:
    """Only a path on this site: never another site, nor a scheme-relative URL."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, baton: BatonDep, next: str = "/", error: str = "") -> Response:
    nonce = prepare_login(request)
    response = _login_page(request, _safe_target(next), error)
    keep_login_nonce(response, request, baton.settings.trust_proxy_headers, nonce)
    return response


@router.post("/login")
def login(request: Request, baton: BatonDep, form: LoginForm) -> Response:
    token = form.get("token", "").strip()
    target = _safe_target(form.get("next", "/"))
    settings = baton.settings
    limits = session_limits(settings)
    now = baton.clock.now()
    try:
        signed = sign_in(
            baton.engine,
            token,
            now,
            limits,
            address=client_address(request, settings.trust_proxy_headers),
            user_agent=request.headers.get("user-agent", ""),
        )
    except TooManyAttempts as exc:
        minutes = -(-exc.retry_after // 60)
        error = f"Too many failed sign-ins from your address: try again in {minutes} min."
        response = _login_page(request, target, error, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except NotFound:
        return _login_page(request, target, "That token is unknown or revoked, or has expired.", status_code=401)
    except NotPermitted as exc:
        return _login_page(request, target, exc.detail[:1].upper() + exc.detail[1:] + ".", status_code=403)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        sign_out(baton.engine, previous, now)
    response = RedirectResponse(target, status_code=303)
    max_age = int((signed.session.expires_at - now).total_seconds())
    keep_session(response, request, settings, signed.secret, max_age)
    forget_login_nonce(response, request, settings.trust_proxy_headers)
    return response


@router.post("/logout")
def logout(request: Request, baton: BatonDep, form: CheckedForm) -> Response:
    """Ends the session itself: the cookie, kept or copied, no longer signs anyone in."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        sign_out(baton.engine, secret, baton.clock.now())
    response = RedirectResponse("/login", status_code=303)
    forget_session(response, request, baton.settings)
    return response


def common_context(baton: Baton, viewer: str) -> dict[str, object]:
    """What every signed-in page's template needs: who is looking, the playbook, and the
    CSRF field for its forms (a template environment of its own, such as the reports',
    has no ``csrf_field`` global)."""
    return {"viewer": viewer, "playbook": baton.playbook, "csrf_field": csrf_field}


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
    scope = read_scope(caller_of(request), baton.playbook)
    with read_only(baton.engine) as uow:
        rows = uow.tickets.page(status=status or None, limit=size + 1, offset=(page - 1) * size, scope=scope)
        total = uow.tickets.count(status=status or None, scope=scope)
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
def ticket_page(request: Request, ticket_id: PathId, baton: BatonDep, viewer: Viewer) -> Response:
    if viewer is None:
        return to_sign_in(request)
    caller = caller_of(request)
    try:
        with read_only(baton.engine) as uow:
            ticket = uow.tickets.get(ticket_id)
            governing = baton.tickets.versions.governing(ticket.playbook_version)
            require_on(caller, Action.READ_TICKET, ticket, governing)
            customer = uow.customers.get(ticket.customer_id)
            messages = uow.tickets.messages(ticket_id)
            trail = uow.tickets.events(ticket_id)
    except NotFound as exc:
        return templates.TemplateResponse(
            request, "missing.html", {**common_context(baton, viewer), "detail": exc.detail}, status_code=404
        )
    internal = reads_internal(caller, ticket, governing)
    if not internal:  # internal notes, the trail and the brief are for the people involved and leads
        messages = [m for m in messages if m.visibility != "internal"]
    suggestions = None
    if ticket.status.is_active:
        found = ticket_suggestions(baton.classifier, baton.similar_tickets, baton.articles, ticket, baton.clock.now())
        suggestions = visible_suggestions(baton.engine, governing, caller, found)
    return templates.TemplateResponse(
        request,
        "ticket.html",
        {
            **common_context(baton, viewer),
            "ticket": ticket,
            "customer": customer,
            "messages": messages,
            "trail": [(r, describe(r.event)) for r in trail] if internal else None,
            "verified": verify_trail(baton.reads, ticket_id) if internal else None,
            "clocks": [ClockPublic.of(c, baton.clock.now(), governing.calendars) for c in ticket.clocks],
            "governing": governing,
            "brief": ticket_brief(baton.engine, baton.tickets.versions, ticket_id, baton.clock.now())
            if internal
            else None,
            "llm_configured": baton.settings.llm_configured and internal,
            "suggestions": suggestions,
            "pushed": next((r for r in reversed(trail) if isinstance(r.event, ev.SuggestionsPushed)), None)
            if internal
            else None,
            "drafts": ticket.drafts if internal else (),
            "sends_drafts": speaks_to_customer(caller, ticket, governing),
        },
    )


def _draft_command(
    request: Request, baton: Baton, ticket_id: int, command: cmd.TicketCommand, version: str
) -> Response:
    """Run a draft's send or discard as the signed-in viewer; back to the ticket, or a
    page saying why not (nothing was done)."""
    try:
        baton.tickets.execute(caller_of(request), ticket_id, command, int(version) if version.isdigit() else None)
    except DomainError as exc:
        context = {**common_context(baton, caller_of(request).name), "detail": exc.detail}
        return templates.TemplateResponse(request, "missing.html", context, status_code=status_of(exc))
    return RedirectResponse(f"/tickets/{ticket_id}#thread", status_code=303)


@router.post("/tickets/{ticket_id}/drafts/{draft}/send")
def send_draft(
    request: Request, ticket_id: PathId, draft: PathId, baton: BatonDep, viewer: Viewer, form: CheckedForm
) -> Response:
    """The accountable agent sends a draft to the customer, as drafted or as edited in the form."""
    if viewer is None:
        return to_sign_in(request)
    body = form.get("body")  # a browser sends its line breaks as CRLF; the core tells an edit from the draft
    command = cmd.SendDraft(draft, body.replace("\r\n", "\n") if body is not None else None)
    return _draft_command(request, baton, ticket_id, command, form.get("expected_version", ""))


@router.post("/tickets/{ticket_id}/drafts/{draft}/discard")
def discard_draft(
    request: Request, ticket_id: PathId, draft: PathId, baton: BatonDep, viewer: Viewer, form: CheckedForm
) -> Response:
    if viewer is None:
        return to_sign_in(request)
    command = cmd.DiscardDraft(draft, form.get("reason", ""))
    return _draft_command(request, baton, ticket_id, command, form.get("expected_version", ""))
