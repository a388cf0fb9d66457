"""The ticket API end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

Auth = Callable[[str], dict[str, str]]

HANDOFF_NOTE = {
    "summary": "Customer was charged twice for November",
    "steps_tried": "Checked invoices: one invoice, two card captures",
    "error_messages": "none seen",
    "configuration": "Business plan billed monthly by card",
    "desired_outcome": "Duplicate refunded with written confirmation",
}


def open_ticket(client: TestClient, auth: Auth, **overrides: Any) -> dict[str, Any]:
    body = {
        "subject": "We were charged twice for November",
        "body": "Two charges of $1,480 on our card. Please refund one.",
        "severity": "medium",
        "category": "billing",
        "channel": "email",
        "customer": {"name": "Cedar Lane Foods", "tier": "business"},
        "page_context": {"url": "https://app.larkspur.example/settings/billing", "screen": "Billing"},
        "agent": "amara",
    } | overrides
    response = client.post("/api/v1/tickets", json=body, headers=auth("amara"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = dict(response.json())
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_a_new_ticket_is_owned_in_full_by_one_agent_of_the_intake_role(client, auth):
    ticket = open_ticket(client, auth)
    own = ticket["ownership"]
    assert own == {
        "state": "full",
        "accountable_agent": "amara",
        "responsible_role": "frontline",
        "responsible_agent": "amara",
        "original_agent": "amara",
        "consulted": [],
        "informed": [],
    }
    assert ticket["escalation_level"] == 1
    assert ticket["status"] == "new"
    assert ticket["page_context"]["screen"] == "Billing"


def test_without_a_named_agent_the_least_loaded_member_of_the_role_takes_it(client, auth):
    open_ticket(client, auth, agent="amara")
    open_ticket(client, auth, agent="bruno")
    third = open_ticket(client, auth, agent=None)
    assert third["ownership"]["responsible_agent"] == "chen"  # 0 open tickets; ties by name


def test_every_change_is_in_the_trail_with_actor_time_and_playbook_version(client, auth, baton, clock):
    from datetime import timedelta

    ticket = open_ticket(client, auth)
    clock.advance(timedelta(minutes=12))
    reply = client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"body": "Looking into it now."},
        headers=auth("amara"),
    )
    assert reply.status_code == 201
    clock.advance(timedelta(minutes=5))
    note = client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"body": "Two captures in the provider.", "visibility": "internal"},
        headers=auth("amara"),
    )
    assert note.json()["visibility"] == "internal"
    events = client.get(f"/api/v1/tickets/{ticket['id']}/events", headers=auth("bruno")).json()
    assert [(e["type"], e["data"].get("target")) for e in events] == [
        ("TicketOpened", None),
        ("TicketClassified", None),
        ("SlaClockStarted", "first_response"),
        ("SlaClockStarted", "resolution"),
        ("MessageAdded", None),
        ("StatusChanged", None),
        ("SlaClockStopped", "first_response"),
        ("SlaClockStarted", "update"),
        ("MessageAdded", None),
    ]
    assert [e["seq"] for e in events] == list(range(1, 10))
    assert {e["actor"] for e in events if e["type"] != "TicketClassified"} == {"amara"}
    assert events[1]["actor"] == "baton"  # Baton classified the text; the sender had named a category
    assert events[1]["data"]["applied"] == []
    assert {e["playbook_version"] for e in events} == {baton.playbook.version}
    assert events[4]["at"] == "2026-11-16T09:12:00Z"
    assert events[5]["data"] == {"previous": "new", "status": "open", "reason": "first public reply"}
    thread = client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers=auth("amara")).json()
    assert [(m["number"], m["visibility"]) for m in thread] == [(1, "public"), (2, "internal")]


def test_status_resolve_reopen_and_close(client, auth):
    tid = open_ticket(client, auth)["id"]
    h = auth("amara")
    assert (
        client.post(f"/api/v1/tickets/{tid}/status", json={"status": "pending_customer"}, headers=h).json()["status"]
        == "pending_customer"
    )
    customer = client.post(
        f"/api/v1/tickets/{tid}/messages",
        json={"body": "Here is the statement.", "author_kind": "customer", "author": "Robin Schultz"},
        headers=auth("email-gateway"),
    )
    assert customer.json()["author"] == "Robin Schultz"
    assert client.get(f"/api/v1/tickets/{tid}", headers=h).json()["status"] == "open"
    resolved = client.post(f"/api/v1/tickets/{tid}/resolve", json={"resolution": "Refunded."}, headers=h)
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_at"]
    reopened = client.post(f"/api/v1/tickets/{tid}/reopen", json={"reason": "Charged again."}, headers=h)
    assert reopened.json()["status"] == "open" and reopened.json()["reopen_count"] == 1
    client.post(f"/api/v1/tickets/{tid}/resolve", json={"resolution": "Refunded both."}, headers=h)
    closed = client.post(f"/api/v1/tickets/{tid}/close", json={}, headers=h)
    assert closed.json()["status"] == "closed"
    late = client.post(f"/api/v1/tickets/{tid}/messages", json={"body": "one more thing"}, headers=h)
    assert "closed" in is_problem(late, 409)["detail"]


def test_a_handoff_moves_responsibility_and_tier_while_the_agent_keeps_the_customer(client, auth):
    tid = open_ticket(client, auth)["id"]
    response = client.post(
        f"/api/v1/tickets/{tid}/escalations",
        json={
            "kind": "handoff",
            "target_role": "billing-specialist",
            "reason": "frontline cannot issue refunds",
            "note": HANDOFF_NOTE,
        },
        headers=auth("amara"),
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/api/v1/tickets/{tid}/escalations/1"
    escalation = response.json()
    assert escalation["kind"] == "handoff" and escalation["direction"] == "functional"
    assert (escalation["from_tier"], escalation["to_tier"]) == (1, 2)
    assert escalation["to_agent"] == "greta"
    ticket = client.get(f"/api/v1/tickets/{tid}", headers=auth("amara")).json()
    assert ticket["escalation_level"] == 2
    assert ticket["ownership"]["accountable_agent"] == "amara"
    assert ticket["ownership"]["responsible_role"] == "billing-specialist"
    assert ticket["ownership"]["state"] == "split"


def test_an_assist_consults_a_specialist_and_leaves_responsibility_where_it_was(client, auth):
    tid = open_ticket(client, auth)["id"]
    response = client.post(
        f"/api/v1/tickets/{tid}/escalations",
        json={
            "kind": "assist",
            "target_role": "support-lead",
            "reason": "enterprise customer unhappy with progress",
            "note": {
                "summary": "Refund delayed",
                "question": "Can we expedite?",
                "steps_tried": "Asked billing",
            },
        },
        headers=auth("amara"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["direction"] == "hierarchical"
    ticket = client.get(f"/api/v1/tickets/{tid}", headers=auth("amara")).json()
    assert ticket["ownership"]["responsible_agent"] == "amara"
    assert ticket["ownership"]["consulted"] == [{"role": "support-lead", "agent": "priya"}]
    assert ticket["ownership"]["state"] == "full"
    assert ticket["escalation_level"] == 1


def test_an_incomplete_note_is_refused_listing_every_missing_field_and_nothing_is_written(client, auth):
    opened = open_ticket(client, auth)
    tid = opened["id"]
    before = client.get(f"/api/v1/tickets/{tid}/events", headers=auth("amara")).json()
    response = client.post(
        f"/api/v1/tickets/{tid}/escalations",
        json={
            "kind": "handoff",
            "target_role": "billing-specialist",
            "reason": "needs a refund",
            "note": {"summary": "Charged twice", "error_messages": "  "},
        },
        headers=auth("amara"),
    )
    problem = is_problem(response, 422)
    assert {e["field"] for e in problem["errors"]} == {
        "note.steps_tried",
        "note.error_messages",
        "note.configuration",
        "note.desired_outcome",
    }
    assert client.get(f"/api/v1/tickets/{tid}/events", headers=auth("amara")).json() == before
    assert client.get(f"/api/v1/tickets/{tid}/escalations", headers=auth("amara")).json() == []
    ticket = client.get(f"/api/v1/tickets/{tid}", headers=auth("amara")).json()
    assert ticket["ownership"]["responsible_role"] == "frontline"
    assert ticket["version"] == opened["version"]


def test_the_receiver_bounces_a_handoff_back_to_the_sender(client, auth):
    tid = open_ticket(client, auth)["id"]
    client.post(
        f"/api/v1/tickets/{tid}/escalations",
        json={
            "kind": "handoff",
            "target_role": "billing-specialist",
            "reason": "refund",
            "note": HANDOFF_NOTE,
        },
        headers=auth("amara"),
    )
    not_receiver = client.post(
        f"/api/v1/tickets/{tid}/escalations/1/bounce", json={"missing": ["x"]}, headers=auth("amara")
    )
    assert "receiver" in is_problem(not_receiver, 403)["detail"]
    bounced = client.post(
        f"/api/v1/tickets/{tid}/escalations/1/bounce",
        json={"missing": ["payment provider transaction ids"], "comment": "Cannot find the captures"},
        headers=auth("greta"),
    )
    assert bounced.status_code == 200, bounced.text
    assert bounced.json()["status"] == "bounced"
    assert bounced.json()["missing"] == ["payment provider transaction ids"]
    ticket = client.get(f"/api/v1/tickets/{tid}", headers=auth("amara")).json()
    assert ticket["ownership"]["responsible_agent"] == "amara"
    assert ticket["ownership"]["responsible_role"] == "frontline"
    assert ticket["escalation_level"] == 1
    events = client.get(f"/api/v1/tickets/{tid}/events", headers=auth("amara")).json()
    assert events[-1]["type"] == "EscalationBounced" and events[-1]["actor"] == "greta"
    again = client.post(f"/api/v1/tickets/{tid}/escalations/1/bounce", json={"missing": ["x"]}, headers=auth("greta"))
    assert "bounced" in is_problem(again, 409)["detail"]


def test_an_agent_outside_the_ticket_cannot_escalate_it(client, auth):
    tid = open_ticket(client, auth)["id"]
    response = client.post(
        f"/api/v1/tickets/{tid}/escalations",
        json={"kind": "handoff", "target_role": "billing-specialist", "reason": "r", "note": HANDOFF_NOTE},
        headers=auth("liam"),
    )
    assert "liam" in is_problem(response, 403)["detail"]


def test_an_unknown_role_is_named_in_the_error(client, auth):
    tid = open_ticket(client, auth)["id"]
    response = client.post(
        f"/api/v1/tickets/{tid}/escalations",
        json={"kind": "handoff", "target_role": "wizards", "reason": "r", "note": HANDOFF_NOTE},
        headers=auth("amara"),
    )
    problem = is_problem(response, 422)
    assert problem["errors"][0]["field"] == "target_role"
    assert "wizards" in problem["errors"][0]["reason"]


def test_an_unknown_ticket_is_404(client, auth):
    is_problem(client.get("/api/v1/tickets/999", headers=auth("amara")), 404)
    response = client.post("/api/v1/tickets/999/messages", json={"body": "hello"}, headers=auth("amara"))
    assert "999" in is_problem(response, 404)["detail"]


def test_bad_ticket_fields_are_each_named_and_nothing_is_created(client, auth):
    response = client.post(
        "/api/v1/tickets",
        json={
            "subject": "Help",
            "body": "It broke",
            "severity": "apocalyptic",
            "category": "billing",
            "channel": "pigeon",
            "customer": {"name": "New Co", "tier": "business"},
        },
        headers=auth("amara"),
    )
    problem = is_problem(response, 422)
    assert {e["field"] for e in problem["errors"]} == {"severity", "channel"}
    assert client.get("/api/v1/tickets", headers=auth("amara")).json()["items"] == []
    assert client.get("/api/v1/customers", headers=auth("amara")).json()["items"] == []


def test_malformed_json_is_a_400_problem(client, auth):
    response = client.post(
        "/api/v1/tickets",
        content=b'{"subject": "x",',
        headers=auth("amara") | {"content-type": "application/json"},
    )
    assert "not valid JSON" in is_problem(response, 400)["detail"]


def test_wrong_types_are_named_by_field(client, auth):
    response = client.post(
        "/api/v1/tickets",
        json={
            "subject": ["not", "text"],
            "body": "b",
            "severity": "low",
            "category": "bug",
            "customer_id": "abc",
        },
        headers=auth("amara"),
    )
    fields = {e["field"] for e in is_problem(response, 422)["errors"]}
    assert {"subject", "customer_id"} <= fields


def test_a_body_over_one_mebibyte_is_refused_with_413(client, auth):
    big = "x" * (1024 * 1024 + 1)
    response = client.post(
        "/api/v1/tickets",
        json={"subject": "s", "body": big, "severity": "low", "category": "bug", "customer_id": 1},
        headers=auth("amara"),
    )
    assert "at most 1048576" in is_problem(response, 413)["detail"]
    assert client.get("/api/v1/tickets", headers=auth("amara")).json()["items"] == []


def test_every_call_needs_a_token(client, auth):
    missing = client.get("/api/v1/tickets")
    assert is_problem(missing, 401) and missing.headers["www-authenticate"] == "Bearer"
    is_problem(client.get("/api/v1/roles", headers={"Authorization": "Bearer bt_nope"}), 401)
    is_problem(client.get("/api/v1/agents", headers={"Authorization": "Basic abc"}), 401)


def test_a_token_acts_only_as_its_agent(client, auth):
    ticket = open_ticket(client, auth)
    note = {"body": "on it", "visibility": "internal"}
    response = client.post(f"/api/v1/tickets/{ticket['id']}/messages", json=note, headers=auth("bruno"))
    assert response.json()["author"] == "bruno"
    events = client.get(f"/api/v1/tickets/{ticket['id']}/events", headers=auth("bruno")).json()
    assert [e["actor"] for e in events if e["type"] == "MessageAdded"] == ["bruno"]
    forged = client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"body": "hi", "actor": "amara"},
        headers=auth("bruno"),
    )
    assert is_problem(forged, 422)["errors"][0]["field"] == "actor"


def test_a_stale_expected_version_is_a_conflict(client, auth):
    ticket = open_ticket(client, auth)
    client.post(f"/api/v1/tickets/{ticket['id']}/messages", json={"body": "hello"}, headers=auth("amara"))
    response = client.post(
        f"/api/v1/tickets/{ticket['id']}/escalations",
        json={
            "kind": "handoff",
            "target_role": "billing-specialist",
            "reason": "refund",
            "note": HANDOFF_NOTE,
            "expected_version": ticket["version"],
        },
        headers=auth("amara"),
    )
    assert "version" in is_problem(response, 409)["detail"]
