"""Routing end to end through the API, on SQLite and PostgreSQL: a new ticket's
classified category picks the frontline agent with the matching skill, and the
on-call rotation hands the API engineer's role over on Monday at 08:00. Each
decision is recorded with its reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.e2e.test_api_tickets import HANDOFF_NOTE, open_ticket

MONDAY_0730 = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
MONDAY_0830 = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


def events_of(client: Any, auth: Any, ticket_id: int, kind: str) -> list[dict[str, Any]]:
    events = client.get(f"/api/v1/tickets/{ticket_id}/events", headers=auth("amara")).json()
    return [e["data"] for e in events if e["type"] == kind]


def test_a_ticket_about_an_invoice_goes_to_the_frontline_agent_with_the_invoices_skill(client, auth):
    ticket = open_ticket(
        client,
        auth,
        subject="Invoice total is wrong",
        body="Our October invoice charges 14 seats; we have 12.",
        category=None,
        agent=None,
    )
    assert ticket["category"] == "billing"  # classified from the text
    assert ticket["ownership"]["responsible_agent"] == "chen"  # frontline's only `invoices` skill
    [opened] = events_of(client, auth, ticket["id"], "TicketOpened")
    assert opened["routing"].startswith("has invoices; at work, least loaded of frontline")


def test_a_ticket_without_a_skill_match_goes_to_the_least_loaded_member_at_work(client, auth):
    first = open_ticket(client, auth, category="feature-request", agent=None)
    second = open_ticket(client, auth, category="feature-request", agent=None)
    # Monday 09:00: farah works 12:00-20:00, so she is passed over; ties go by name.
    assert [first["ownership"]["responsible_agent"], second["ownership"]["responsible_agent"]] == ["amara", "bruno"]


def escalate_to_on_call(client: Any, auth: Any) -> tuple[int, dict[str, Any]]:
    tid = open_ticket(client, auth, category="api", subject="Webhooks fail", body="Every webhook gets HTTP 500.")["id"]
    response = client.post(
        f"/api/v1/tickets/{tid}/escalations",
        json={"kind": "handoff", "target_role": "api-engineer-oncall", "reason": "API fault", "note": HANDOFF_NOTE},
        headers=auth("amara"),
    )
    assert response.status_code == 201, response.text
    return tid, dict(response.json())


def test_the_on_call_turn_hands_over_on_monday_morning_and_new_escalations_follow_it(client, auth, clock):
    clock.set(MONDAY_0730)
    before_id, before = escalate_to_on_call(client, auth)
    clock.set(MONDAY_0830)
    after_id, after = escalate_to_on_call(client, auth)
    assert (before["to_agent"], after["to_agent"]) == ("mei", "liam")
    [routed] = events_of(client, auth, after_id, "TicketEscalated")
    assert routed["routing"] == "liam is on call for api-engineer-oncall"
    kept = client.get(f"/api/v1/tickets/{before_id}", headers=auth("mei")).json()
    assert kept["ownership"]["responsible_agent"] == "mei"  # work taken before the hand-over stays
