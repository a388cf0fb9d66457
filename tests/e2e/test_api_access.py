"""Who may do what, over HTTP: the customer's voice stays with the accountable agent,
a restricted ticket is absent for everyone else, a forged customer message is refused,
and configuration changes are for leads, each recorded in the audit log."""

from __future__ import annotations

from baton.demo.simulate import deliver_outbox

from .test_api_tickets import is_problem, open_ticket
from .test_authorisation_matrix import HANDOFF_NOTE


def handed_to_ines(client, auth) -> int:
    tid = open_ticket(client, auth)["id"]
    handed = client.post(
        f"/api/v1/tickets/{tid}/escalations",
        json={"kind": "handoff", "target_role": "product-specialist", "target_agent": "ines", "reason": "export bug",
              "note": HANDOFF_NOTE},
        headers=auth("amara"),
    )  # fmt: skip
    assert handed.status_code == 201
    return int(tid)


def test_a_specialists_reply_waits_as_a_draft_until_the_accountable_agent_sends_it(client, auth, baton):
    tid = handed_to_ines(client, auth)
    drafted = client.post(f"/api/v1/tickets/{tid}/messages", json={"body": "Renew the key."}, headers=auth("ines"))
    assert drafted.status_code == 202
    assert drafted.headers["location"] == f"/api/v1/tickets/{tid}/drafts/1"
    assert (drafted.json()["author"], drafted.json()["for_agent"]) == ("ines", "amara")
    thread = client.get(f"/api/v1/tickets/{tid}/messages", headers=auth("amara")).json()
    assert all(m["visibility"] == "internal" or m["author_kind"] != "agent" for m in thread)  # nothing sent yet
    deliver_outbox(baton.dispatcher)
    notices = client.get("/api/v1/me/notifications", headers=auth("amara")).json()["items"]
    assert any(n["kind"] == "draft_waiting" for n in notices)

    refused = client.post(f"/api/v1/tickets/{tid}/drafts/1/send", json={}, headers=auth("ines"))
    assert "the accountable agent (amara) does" in is_problem(refused, 403)["detail"]
    sent = client.post(
        f"/api/v1/tickets/{tid}/drafts/1/send",
        json={"body": "Hi Robin, renew the key in Settings."},
        headers=auth("amara"),
    )
    assert sent.status_code == 200
    assert (sent.json()["author"], sent.json()["edited"], sent.json()["draft"]) == ("amara", True, 1)
    assert client.get(f"/api/v1/tickets/{tid}/drafts", headers=auth("amara")).json() == []
    types = [e["type"] for e in client.get(f"/api/v1/tickets/{tid}/events", headers=auth("amara")).json()]
    assert types.index("ReplyDrafted") < types.index("DraftSent") < len(types) - types[::-1].index("MessageAdded")


def test_a_forged_customer_message_is_refused_and_the_ticket_stays_resolved(client, auth):
    tid = open_ticket(client, auth)["id"]
    client.post(f"/api/v1/tickets/{tid}/resolve", json={"resolution": "Refunded one charge."}, headers=auth("amara"))
    forged = client.post(
        f"/api/v1/tickets/{tid}/messages",
        json={"body": "Still broken", "author_kind": "customer", "author": "Robin"},
        headers=auth("bruno"),
    )
    assert "only integrations may write as customer" in is_problem(forged, 403)["detail"]
    assert client.get(f"/api/v1/tickets/{tid}", headers=auth("amara")).json()["status"] == "resolved"
    real = client.post(
        f"/api/v1/tickets/{tid}/messages",
        json={"body": "Still broken", "author_kind": "customer", "author": "Robin"},
        headers=auth("email-gateway"),
    )
    assert real.status_code == 201
    assert client.get(f"/api/v1/tickets/{tid}", headers=auth("amara")).json()["status"] == "open"


def test_an_uninvolved_agents_reply_does_not_meet_another_teams_first_response(client, auth):
    tid = open_ticket(client, auth)["id"]
    reply = client.post(f"/api/v1/tickets/{tid}/messages", json={"body": "Hello!"}, headers=auth("liam"))
    is_problem(reply, 403)
    clocks = client.get(f"/api/v1/tickets/{tid}", headers=auth("amara")).json()["sla"]
    assert next(c for c in clocks if c["target"] == "first_response")["state"] == "running"


def test_a_restricted_ticket_is_absent_from_everyone_elses_lists_and_reads(client, auth):
    security = open_ticket(client, auth, category="security", subject="Unknown admin user created")["id"]
    other = open_ticket(client, auth)["id"]
    for name, sees in (("amara", True), ("noah", True), ("priya", True), ("bruno", False), ("liam", False)):
        listed = {t["id"] for t in client.get("/api/v1/tickets", headers=auth(name)).json()["items"]}
        assert (security in listed) is sees, name
        assert other in listed, name
        got = client.get(f"/api/v1/tickets/{security}", headers=auth(name))
        assert got.status_code == (200 if sees else 404), name


def test_a_customers_tier_is_changed_by_a_lead_and_recorded(client, auth, baton):
    customer = open_ticket(client, auth)["customer_id"]
    refused = client.patch(f"/api/v1/customers/{customer}", json={"tier": "enterprise"}, headers=auth("amara"))
    assert "only leads and admins" in is_problem(refused, 403)["detail"]
    changed = client.patch(
        f"/api/v1/customers/{customer}", json={"tier": "enterprise", "reason": "signed"}, headers=auth("priya")
    )
    assert changed.status_code == 200
    from baton.core.audit import ConfigAction
    from baton.services.unit_of_work import read_only

    with read_only(baton.engine) as uow:
        entries = uow.audit_log.recent(10, ConfigAction.CUSTOMER_TIER_CHANGED)
    assert [(e.actor, e.subject, e.details["previous"], e.details["tier"]) for e in entries] == [
        ("priya", f"customer:{customer}", "business", "enterprise")
    ]


def test_the_web_pages_refuse_ids_no_store_can_hold(client):
    for path in (f"/tickets/{2**63}", f"/knowledge/{2**63}", f"/tickets/{2**63}/brief/rewrite", "/tickets/0"):
        assert client.get(path, follow_redirects=False).status_code == 422, path
