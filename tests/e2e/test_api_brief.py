"""The handoff brief over the API, kept current on every event and final at resolution."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.test_api_tickets import HANDOFF_NOTE, open_ticket


def test_the_brief_follows_the_ticket_and_is_final_at_resolution(client, auth, clock):
    h = auth("amara")
    earlier = open_ticket(client, auth, subject="Invoice address wrong")
    ticket = open_ticket(
        client,
        auth,
        subject="API returns 429 far below our limit",
        body="Our integration gets HTTP 429 Too Many Requests at 40 requests a minute. Orders pile up.",
        category="api",
        severity="high",
    )
    tid = ticket["id"]
    brief = client.get(f"/api/v1/tickets/{tid}/brief", headers=h).json()
    assert brief["problem"] == "API returns 429 far below our limit"
    assert brief["desired_outcome"] == "Our integration gets HTTP 429 Too Many Requests at 40 requests a minute."
    assert brief["errors_seen"] == ["HTTP 429 Too Many Requests"]
    assert brief["customer"] == "Cedar Lane Foods (business)"
    assert [p["id"] for p in brief["recent_history"]] == [earlier["id"]]
    assert brief["page_context"]["screen"] == "Billing"
    assert brief["final"] is False

    clock.advance(timedelta(minutes=20))
    client.post(
        f"/api/v1/tickets/{tid}/messages",
        json={
            "body": "Checked the key's limit: 600/min. Logs show code RL-4021 on every call.",
            "visibility": "internal",
        },
        headers=h,
    )
    client.post(
        f"/api/v1/tickets/{tid}/messages",
        json={"body": "This is urgent, our orders are stuck and it is really frustrating.", "author_kind": "customer",
              "author": "Sam Patel"},
        headers=auth("email-gateway"),
    )  # fmt: skip
    client.post(
        f"/api/v1/tickets/{tid}/escalations",
        json={"kind": "handoff", "target_role": "api-engineer-oncall", "reason": "rate limiter", "note": HANDOFF_NOTE},
        headers=h,
    )
    brief = client.get(f"/api/v1/tickets/{tid}/brief", headers=h).json()
    assert brief["problem"] == HANDOFF_NOTE["summary"]  # the latest handoff note leads
    assert brief["desired_outcome"] == HANDOFF_NOTE["desired_outcome"]
    assert [s["by"] for s in brief["steps_tried"]] == ["amara", "amara"]
    assert "code RL-4021" in brief["errors_seen"]
    assert brief["sentiment"].startswith("worsening: latest negative")
    assert any(line.startswith("resolution: running") for line in brief["sla"])
    assert "api-engineer-oncall, tier 3" in brief["owner"] and "amara keeps the customer" in brief["owner"]

    responsible = client.get(f"/api/v1/tickets/{tid}", headers=h).json()["ownership"]["responsible_agent"]
    client.post(
        f"/api/v1/tickets/{tid}/resolve", json={"resolution": "Restored the key's limit."}, headers=auth(responsible)
    )
    final = client.get(f"/api/v1/tickets/{tid}/brief", headers=h).json()
    assert final["final"] is True and final["resolution"] == "Restored the key's limit."
    assert all(line.endswith("met") or "breached" in line for line in final["sla"])


def test_the_brief_of_an_unknown_ticket_is_404(client, auth):
    assert client.get("/api/v1/tickets/4242/brief", headers=auth("amara")).status_code == 404
