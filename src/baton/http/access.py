"""Every route's entry in the one authorisation policy (:mod:`baton.core.policy`).

Each route of the API and the web pages names the action it asks for; the caller's
dependency checks it before the route runs. A route missing here is refused with 403
at run time and fails the route-table test, so a new route cannot slip in unguarded.
The ticket's own rules (visibility, involvement, the customer's voice) are asked where
the ticket is loaded."""

from __future__ import annotations

from enum import Enum

from fastapi import Request

from baton.core.errors import NotPermitted
from baton.core.policy import Action, Caller, require


class Public(Enum):
    """A route anyone may call, signed in or not."""

    PUBLIC = "public"


PUBLIC = Public.PUBLIC

T = "/api/v1/tickets/{ticket_id}"

ROUTES: dict[tuple[str, str], Action | Public] = {
    # service
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/v1/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    # tickets
    ("GET", "/api/v1/tickets"): Action.LIST_TICKETS,
    ("POST", "/api/v1/tickets"): Action.OPEN_TICKET,
    ("GET", T): Action.READ_TICKET,
    ("GET", f"{T}/messages"): Action.READ_TICKET,
    ("POST", f"{T}/messages"): Action.ADD_MESSAGE,
    ("GET", f"{T}/drafts"): Action.READ_INTERNAL,
    ("POST", f"{T}/drafts/{{draft}}/send"): Action.SEND_DRAFT,
    ("POST", f"{T}/drafts/{{draft}}/discard"): Action.SEND_DRAFT,
    ("GET", f"{T}/brief"): Action.READ_INTERNAL,
    ("GET", f"{T}/brief/rewrite"): Action.READ_INTERNAL,
    ("GET", f"{T}/suggestions"): Action.READ_TICKET,
    ("GET", f"{T}/events"): Action.READ_INTERNAL,
    ("GET", f"{T}/trail"): Action.READ_INTERNAL,
    ("POST", f"{T}/status"): Action.WORK_TICKET,
    ("POST", f"{T}/severity"): Action.WORK_TICKET,
    ("POST", f"{T}/category"): Action.WORK_TICKET,
    ("POST", f"{T}/resolve"): Action.WORK_TICKET,
    ("POST", f"{T}/reopen"): Action.WORK_TICKET,
    ("POST", f"{T}/close"): Action.WORK_TICKET,
    ("POST", f"{T}/assignment"): Action.WORK_TICKET,
    ("POST", f"{T}/accountable"): Action.TRANSFER_ACCOUNTABILITY,
    ("POST", f"{T}/participants"): Action.WORK_TICKET,
    ("GET", f"{T}/escalations"): Action.READ_TICKET,
    ("POST", f"{T}/escalations"): Action.WORK_TICKET,
    ("GET", f"{T}/escalations/{{number}}"): Action.READ_TICKET,
    ("POST", f"{T}/escalations/{{number}}/bounce"): Action.BOUNCE,
    # people, customers and the playbook
    ("GET", "/api/v1/customers"): Action.READ_CUSTOMERS,
    ("POST", "/api/v1/customers"): Action.ADD_CUSTOMER,
    ("GET", "/api/v1/customers/{customer_id}"): Action.READ_CUSTOMERS,
    ("PATCH", "/api/v1/customers/{customer_id}"): Action.CHANGE_CUSTOMER,
    ("GET", "/api/v1/roles"): Action.READ_DIRECTORY,
    ("GET", "/api/v1/roles/{name}"): Action.READ_DIRECTORY,
    ("GET", "/api/v1/agents"): Action.READ_DIRECTORY,
    ("GET", "/api/v1/agents/{name}"): Action.READ_DIRECTORY,
    ("GET", "/api/v1/playbook"): Action.READ_PLAYBOOK,
    ("POST", "/api/v1/playbook/backtest"): Action.RUN_BACKTEST,
    # measurement
    ("GET", "/api/v1/metrics"): Action.READ_METRICS,
    ("GET", "/api/v1/metrics/definitions"): Action.READ_METRICS,
    ("GET", "/api/v1/metrics/sources"): Action.READ_METRICS,
    ("GET", "/api/v1/rules/health"): Action.READ_METRICS,
    ("GET", "/api/v1/classification/agreement"): Action.READ_METRICS,
    ("GET", "/api/v1/reports/weekly"): Action.READ_REPORTS,
    # knowledge
    ("GET", "/api/v1/knowledge"): Action.READ_KNOWLEDGE,
    ("GET", "/api/v1/knowledge/{article_id}"): Action.READ_KNOWLEDGE,
    ("PATCH", "/api/v1/knowledge/{article_id}"): Action.EDIT_KNOWLEDGE,
    ("POST", "/api/v1/knowledge/{article_id}/publish"): Action.REVIEW_KNOWLEDGE,
    ("POST", "/api/v1/knowledge/{article_id}/discard"): Action.REVIEW_KNOWLEDGE,
    # the caller's own
    ("GET", "/api/v1/me/notifications"): Action.READ_OWN_NOTIFICATIONS,
    ("POST", "/api/v1/me/notifications/{notification_id}/{state}"): Action.MARK_OWN_NOTIFICATIONS,
    # web pages
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/"): Action.LIST_TICKETS,
    ("GET", "/tickets/{ticket_id}"): Action.READ_TICKET,
    ("GET", "/tickets/{ticket_id}/brief/rewrite"): Action.READ_INTERNAL,
    ("POST", "/tickets/{ticket_id}/drafts/{draft}/send"): Action.SEND_DRAFT,
    ("POST", "/tickets/{ticket_id}/drafts/{draft}/discard"): Action.SEND_DRAFT,
    ("GET", "/knowledge"): Action.READ_KNOWLEDGE,
    ("GET", "/knowledge/{article_id}"): Action.READ_KNOWLEDGE,
    ("POST", "/knowledge/{article_id}"): Action.EDIT_KNOWLEDGE,
    ("POST", "/knowledge/{article_id}/publish"): Action.REVIEW_KNOWLEDGE,
    ("POST", "/knowledge/{article_id}/discard"): Action.REVIEW_KNOWLEDGE,
    ("GET", "/reports"): Action.READ_REPORTS,
    ("GET", "/reports/weekly"): Action.READ_REPORTS,
}
"""(method, path as declared) -> the action the route asks for, or PUBLIC."""


API_PREFIX = "/api/v1"
"""Where the API's routers are mounted (``baton.api.main``)."""


def declared_path(request: Request) -> str:
    """The matched route's path as declared, with the API's prefix: a router included
    under a prefix reports its own path alone."""
    route = request.scope.get("route")
    path = str(getattr(route, "path", request.url.path))
    endpoint = request.scope.get("endpoint")
    module = getattr(endpoint, "__module__", "")
    if module.startswith("baton.api.") and not path.startswith(API_PREFIX):
        return API_PREFIX + path
    return path


def route_entry(request: Request) -> Action | Public:
    """The entry of the route ``request`` matched; refused when it has none."""
    path = declared_path(request)
    method = "GET" if request.method == "HEAD" else request.method
    entry = ROUTES.get((method, path))
    if entry is None:
        raise NotPermitted(f"{method} {path} has no entry in the authorisation policy: refused")
    return entry


def authorise_route(request: Request, caller: Caller) -> Action | Public:
    """Check the route's action against ``caller``'s roles and token scope."""
    entry = route_entry(request)
    if isinstance(entry, Action):
        require(caller, entry)
    return entry
