"""The authorisation matrix: every API route (from the application's own route table)
called by every kind of caller, on a ticket they are involved in, one they are not,
and one of a restricted category, against the expected answer written out below.

"ok" means the policy let the call through: the route answered 2xx, or refused on the
ticket's state (409) — never 401, 403 or 404. A route with no policy entry, or whose
action has no row here, fails the test."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baton.core.policy import Action
from baton.http.access import ROUTES, Public

from .test_api_tickets import open_ticket

pytestmark = pytest.mark.filterwarnings("ignore")


@dataclass(frozen=True)
class Principal:
    label: str
    name: str | None
    """Whose token (None: no token at all)."""
    ticket: str = "involved"
    """Which ticket the ticket routes are called on: 'involved' (amara's, handed to
    ines) or 'restricted' (a security ticket amara opened)."""
    read_only: bool = False


PRINCIPALS = [
    Principal("accountable agent", "amara"),
    Principal("responsible specialist", "ines"),
    Principal("uninvolved specialist", "liam"),
    Principal("uninvolved, restricted ticket", "liam", "restricted"),
    Principal("lead and admin", "priya"),
    Principal("integration", "email-gateway"),
    Principal("read-only token", "priya", read_only=True),
]

# One row per action, one column per principal above, in order.
EXPECTED: dict[Action, str] = {
    Action.LIST_TICKETS: "ok ok ok ok ok 403 ok",
    Action.READ_TICKET: "ok ok ok 404 ok ok ok",
    Action.READ_INTERNAL: "ok ok 403 404 ok 403 ok",
    Action.OPEN_TICKET: "ok ok ok ok ok ok 403",
    Action.ADD_MESSAGE: "ok ok 403 404 ok 403 403",  # a public reply
    Action.SEND_DRAFT: "ok 403 403 404 ok 403 403",
    Action.WORK_TICKET: "ok ok 403 404 ok 403 403",
    Action.TRANSFER_ACCOUNTABILITY: "ok 403 403 404 ok 403 403",
    Action.BOUNCE: "403 ok 403 404 403 403 403",  # the receiver alone
    Action.READ_DIRECTORY: "ok ok ok ok ok 403 ok",
    Action.READ_CUSTOMERS: "ok ok ok ok ok 403 ok",
    Action.ADD_CUSTOMER: "ok ok ok ok ok 403 403",
    Action.CHANGE_CUSTOMER: "403 403 403 403 ok 403 403",
    Action.READ_PLAYBOOK: "ok ok ok ok ok 403 ok",
    Action.RUN_BACKTEST: "403 403 403 403 ok 403 403",
    Action.READ_METRICS: "ok ok ok ok ok 403 ok",
    Action.READ_REPORTS: "ok ok ok ok ok 403 ok",
    Action.READ_KNOWLEDGE: "ok ok ok ok ok 403 ok",
    Action.EDIT_KNOWLEDGE: "ok ok 403 403 ok 403 403",  # leads and the people on its ticket
    Action.REVIEW_KNOWLEDGE: "403 403 403 403 ok 403 403",
    Action.READ_OWN_NOTIFICATIONS: "ok ok ok ok ok 403 ok",
    Action.MARK_OWN_NOTIFICATIONS: "ok ok ok ok ok 403 403",
}

HANDOFF_NOTE = {
    "summary": "Scheduled exports fail",
    "steps_tried": "re-ran the export: same 500",
    "error_messages": "HTTP 500",
    "configuration": "enterprise plan, S3 target",
    "desired_outcome": "exports run again",
}


def bodies(world: World) -> dict[tuple[str, str], Any]:
    t = "/api/v1/tickets/{ticket_id}"
    return {
        ("POST", "/api/v1/tickets"): {
            "subject": "Cannot log in",
            "body": "SSO fails since this morning.",
            "customer": {"name": "Cedar Lane Foods", "tier": "business"},
            "severity": "medium",
            "category": "account-access",
            "channel": "email",
        },
        ("POST", f"{t}/messages"): {"body": "We are looking at it now."},
        ("POST", f"{t}/drafts/{{draft}}/send"): {},
        ("POST", f"{t}/drafts/{{draft}}/discard"): {"reason": "said another way"},
        ("POST", f"{t}/status"): {"status": "pending_internal"},
        ("POST", f"{t}/severity"): {"severity": "high"},
        ("POST", f"{t}/category"): {"category": "bug"},
        ("POST", f"{t}/resolve"): {"resolution": "The export key expired; renewed it."},
        ("POST", f"{t}/reopen"): {"reason": "came back"},
        ("POST", f"{t}/close"): {},
        ("POST", f"{t}/assignment"): {"role": "billing-specialist"},
        ("POST", f"{t}/accountable"): {"agent": "bruno"},
        ("POST", f"{t}/participants"): {"kind": "informed", "role": "support-lead"},
        ("POST", f"{t}/escalations"): {
            "kind": "handoff",
            "target_role": "api-engineer-oncall",
            "reason": "needs an engineer",
            "note": HANDOFF_NOTE,
        },
        ("POST", f"{t}/escalations/{{number}}/bounce"): {"missing": ["logs"]},
        ("POST", "/api/v1/customers"): {"name": "New Co", "tier": "starter"},
        ("PATCH", "/api/v1/customers/{customer_id}"): {"tier": "enterprise"},
        ("POST", "/api/v1/playbook/backtest"): {"playbook": world.playbook_text, "since_days": 7},
        ("PATCH", "/api/v1/knowledge/{article_id}"): {"title": "Renewing an export key", "expected_version": 1},
        ("POST", "/api/v1/knowledge/{article_id}/publish"): {},
        ("POST", "/api/v1/knowledge/{article_id}/discard"): {},
    }


@dataclass
class World:
    """The tickets a call is made on, made fresh for every call that changes something."""

    involved: int
    restricted: int
    customer: int
    article: int
    playbook_text: str


WORLDS = itertools.count(1)


def make_world(client: TestClient, auth: Callable[[str], dict[str, str]], playbook_text: str) -> World:
    customer = {"name": f"Customer {next(WORLDS)}", "tier": "business"}  # each world its own (a tier may change)
    ticket = open_ticket(client, auth, customer=customer)
    tid = ticket["id"]
    handed = client.post(
        f"/api/v1/tickets/{tid}/escalations",
        json={"kind": "handoff", "target_role": "product-specialist", "target_agent": "ines", "reason": "export bug",
              "note": HANDOFF_NOTE},
        headers=auth("amara"),
    )  # fmt: skip
    assert handed.status_code == 201, handed.text
    drafted = client.post(f"/api/v1/tickets/{tid}/messages", json={"body": "Renew the key."}, headers=auth("ines"))
    assert drafted.status_code == 202, drafted.text
    security = client.post(
        "/api/v1/tickets",
        json={"subject": "Unknown admin user created", "body": "Someone added an admin we never created.",
              "customer_id": ticket["customer_id"], "severity": "high", "category": "security", "channel": "email",
              "agent": "amara"},
        headers=auth("amara"),
    )  # fmt: skip
    assert security.status_code == 201, security.text
    solved = open_ticket(client, auth, customer=customer)["id"]
    client.post(
        f"/api/v1/tickets/{solved}/escalations",
        json={"kind": "handoff", "target_role": "product-specialist", "target_agent": "ines", "reason": "bug",
              "note": HANDOFF_NOTE},
        headers=auth("amara"),
    )  # fmt: skip
    resolved = client.post(
        f"/api/v1/tickets/{solved}/resolve",
        json={"resolution": "The export key had expired; renewed it and re-ran the export."},
        headers=auth("ines"),
    )
    assert resolved.status_code == 200, resolved.text
    articles = client.get("/api/v1/knowledge", params={"status": "draft"}, headers=auth("priya")).json()["items"]
    article = next(a["id"] for a in articles if a["ticket_id"] == solved)
    return World(tid, security.json()["id"], ticket["customer_id"], article, playbook_text)


def api_routes() -> Iterator[tuple[str, str, Action]]:
    for (method, path), entry in sorted(ROUTES.items()):
        if path.startswith("/api/v1/") and isinstance(entry, Action):
            yield method, path, entry


def url(path: str, world: World, ticket: int, notification: int) -> str:
    return (
        path.replace("{ticket_id}", str(ticket))
        .replace("{number}", "1")
        .replace("{draft}", "1")
        .replace("{customer_id}", str(world.customer))
        .replace("{article_id}", str(world.article))
        .replace("{name}", "amara" if "/agents/" in path else "frontline")
        .replace("{notification_id}", str(notification))
        .replace("{state}", "read")
    ) + QUERIES.get(path, "")


QUERIES = {"/api/v1/reports/weekly": "?week=2026-W47"}
"""The week the tickets were made in (the fixed clock's)."""


def outcome(status: int) -> str:
    if status in (401, 403, 404):
        return str(status)
    assert status < 500, f"server error {status}"
    return "ok"


def test_every_route_answers_every_caller_as_the_policy_says(client, auth, baton, playbook_path):
    text = playbook_path.read_text(encoding="utf-8")
    shared = make_world(client, auth, text)
    headers: dict[Principal, dict[str, str]] = {}
    for p in PRINCIPALS:
        if p.read_only:
            from baton.core.policy import TokenScope
            from baton.services.tokens import create_token

            token = create_token(baton.engine, p.name or "", baton.clock.now(), "matrix", scope=TokenScope.READ)
            headers[p] = {"Authorization": f"Bearer {token}"}
        elif p.name:
            headers[p] = auth(p.name)
    tally: Counter[str] = Counter()
    wrong = []
    for method, path, action in api_routes():
        assert action in EXPECTED, f"{method} {path} asks for {action}, which has no row in EXPECTED"
        expected = EXPECTED[action].split()
        assert len(expected) == len(PRINCIPALS)
        for principal, want in zip(PRINCIPALS, expected, strict=True):
            world = shared if method == "GET" else make_world(client, auth, text)
            ticket = world.restricted if principal.ticket == "restricted" else world.involved
            mine = client.get("/api/v1/me/notifications", headers=headers[principal]).json().get("items", [])
            notification = mine[0]["id"] if mine else 1
            response = client.request(
                method, url(path, world, ticket, notification), json=bodies(world).get((method, path)),
                headers=headers[principal],
            )  # fmt: skip
            got = outcome(response.status_code)
            if got == "404" and want == "ok" and action is Action.MARK_OWN_NOTIFICATIONS and not mine:
                got = "ok"  # nothing of their own to mark
            tally["allowed" if got == "ok" else "refused"] += 1
            if got != want:
                wrong.append(f"{method} {path} as {principal.label}: {got}, expected {want} ({response.text[:160]})")
            anonymous = client.request(
                method, url(path, world, ticket, notification), json=bodies(world).get((method, path))
            )
            tally["tried"] += 2
            if anonymous.status_code != 401:
                wrong.append(f"{method} {path} without a token: {anonymous.status_code}, expected 401")
            tally["refused"] += 1
    assert not wrong, "\n".join(wrong)
    print(f"authorisation matrix: {tally['tried']} calls, {tally['allowed']} allowed, {tally['refused']} refused")


def test_public_routes_are_the_ones_named_public():
    public = sorted(path for (_, path), entry in ROUTES.items() if isinstance(entry, Public))
    assert public == sorted(
        ["/healthz", "/api/v1/openapi.json", "/api/v1/docs", "/docs/oauth2-redirect", "/login", "/login", "/logout"]
    )
