"""Answers say what the caller's command did, with what followed it in the same call;
notifications reach agents through the outbox. On SQLite and PostgreSQL, with the
example playbook's trigger rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from baton.demo.simulate import deliver_outbox
from baton.settings import EXAMPLE_PLAYBOOK

from .test_api_tickets import HANDOFF_NOTE

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def playbook_path() -> Path:
    return EXAMPLE_PLAYBOOK


def open_ticket(client: TestClient, auth: Auth, **overrides: Any) -> dict[str, Any]:
    body = {
        "subject": "Scheduled export stops half-way",
        "body": "The nightly export to our bucket stops at about 40 %.",
        "severity": "medium",
        "category": "data-export",
        "channel": "email",
        "customer": {"name": "Cedar Lane Foods", "tier": "business"},
        "agent": "amara",
    } | overrides
    response = client.post("/api/v1/tickets", json=body, headers=auth("amara"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def followed_rules(answer: dict[str, Any]) -> list[str]:
    return [f["detail"]["rule"] for f in answer["followed"] if f["kind"] == "RuleFired"]


def test_a_handoff_is_answered_with_the_callers_escalation_not_the_assist_a_rule_added(client, auth, clock):
    """Regression: the answer used to be the last escalation, the support lead's assist
    that the 80 % resolution rule added in the same call."""
    ticket = open_ticket(client, auth)
    clock.advance(timedelta(days=4))  # past 80 % of the medium resolution target, no worker ran
    response = client.post(
        f"/api/v1/tickets/{ticket['id']}/escalations",
        json={"kind": "handoff", "target_role": "product-specialist", "reason": "export bug", "note": HANDOFF_NOTE},
        headers=auth("amara"),
    )
    assert response.status_code == 201, response.text
    answer = response.json()
    assert (answer["number"], answer["kind"], answer["to_role"]) == (1, "handoff", "product-specialist")
    assert response.headers["location"].endswith(f"/tickets/{ticket['id']}/escalations/1")
    assert "resolution-at-risk-lead-assist" in followed_rules(answer)
    added = [f for f in answer["followed"] if f["kind"] == "TicketEscalated"]
    assert [(f["detail"]["kind"], f["detail"]["to_role"], f["actor"]) for f in added] == [
        ("assist", "support-lead", "baton")
    ]
    numbers = [
        e["number"] for e in client.get(f"/api/v1/tickets/{ticket['id']}/escalations", headers=auth("amara")).json()
    ]
    assert numbers == [1, 2]


def test_a_reply_is_answered_with_the_agents_message_not_batons_customer_update(client, auth, clock):
    """Regression: the answer used to be the last message, the automatic update the
    update-cadence rule sent in the same call."""
    ticket = open_ticket(client, auth, severity="high", customer={"name": "Northwind Health", "tier": "enterprise"})
    url = f"/api/v1/tickets/{ticket['id']}/messages"
    assert client.post(url, json={"body": "Looking at it now."}, headers=auth("amara")).status_code == 201
    clock.advance(timedelta(minutes=100))  # 83 % of the 2-hour update cadence
    response = client.post(url, json={"body": "Found the failing step; fixing it."}, headers=auth("amara"))
    assert response.status_code == 201, response.text
    answer = response.json()
    assert (answer["number"], answer["author"], answer["body"]) == (2, "amara", "Found the failing step; fixing it.")
    assert response.headers["location"].endswith("/messages/2")
    assert "high-severity-update-cadence" in followed_rules(answer)
    sent = [f for f in answer["followed"] if f["kind"] == "MessageAdded"]
    assert [(f["detail"]["number"], f["detail"]["author_kind"]) for f in sent] == [(3, "system")]
    thread = client.get(url, headers=auth("amara")).json()
    assert [m["author_kind"] for m in thread] == ["agent", "agent", "system"]


def test_a_handoff_reaches_the_receiving_roles_members_once_the_worker_delivers(client, auth, baton):
    ticket = open_ticket(client, auth)
    client.post(
        f"/api/v1/tickets/{ticket['id']}/escalations",
        json={"kind": "handoff", "target_role": "product-specialist", "reason": "export bug", "note": HANDOFF_NOTE},
        headers=auth("amara"),
    )
    member = baton.playbook.roles["product-specialist"].members[0]
    assert client.get("/api/v1/me/notifications", headers=auth(member)).json()["items"] == []
    deliver_outbox(baton.dispatcher)
    page = client.get("/api/v1/me/notifications", headers=auth(member)).json()
    [notice] = [n for n in page["items"] if n["kind"] == "handoff_received"]
    assert (notice["ticket_id"], notice["subject"], notice["read_at"]) == (ticket["id"], ticket["subject"], None)
    assert notice["text"].startswith("Handed off to product-specialist by amara")
    deliver_outbox(baton.dispatcher)  # delivering again adds nothing
    again = client.get("/api/v1/me/notifications", headers=auth(member)).json()["items"]
    assert [n["id"] for n in again] == [n["id"] for n in page["items"]]


def test_notifications_are_paged_marked_read_and_dismissed_by_their_agent_only(client, auth, baton):
    for n in range(3):
        ticket = open_ticket(client, auth, subject=f"Export {n} stops half-way")
        client.post(
            f"/api/v1/tickets/{ticket['id']}/escalations",
            json={"kind": "handoff", "target_role": "product-specialist", "reason": "bug", "note": HANDOFF_NOTE},
            headers=auth("amara"),
        )
    deliver_outbox(baton.dispatcher)
    member = baton.playbook.roles["product-specialist"].members[0]
    first = client.get("/api/v1/me/notifications?limit=2", headers=auth(member)).json()
    assert len(first["items"]) == 2 and first["next_before"] == first["items"][-1]["id"]
    rest = client.get(f"/api/v1/me/notifications?limit=2&before={first['next_before']}", headers=auth(member)).json()
    assert rest["next_before"] is None
    everything = [n["id"] for n in first["items"] + rest["items"]]
    assert everything == sorted(everything, reverse=True)
    newest = first["items"][0]["id"]
    assert client.post(f"/api/v1/me/notifications/{newest}/read", headers=auth("amara")).status_code == 404
    assert client.post(f"/api/v1/me/notifications/{newest}/read", headers=auth(member)).status_code == 204
    unread = client.get("/api/v1/me/notifications?unread=true", headers=auth(member)).json()["items"]
    assert newest not in [n["id"] for n in unread]
    assert client.post(f"/api/v1/me/notifications/{newest}/dismissed", headers=auth(member)).status_code == 204
    shown = client.get("/api/v1/me/notifications", headers=auth(member)).json()["items"]
    assert newest not in [n["id"] for n in shown]
    assert client.post(f"/api/v1/me/notifications/{newest}/archived", headers=auth(member)).status_code == 422
    assert client.post("/api/v1/me/notifications/99999999999999999999/read", headers=auth(member)).status_code == 422
