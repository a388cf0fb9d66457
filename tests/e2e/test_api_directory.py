"""Read endpoints for customers, roles, agents and the playbook."""

from __future__ import annotations

from tests.e2e.test_api_tickets import is_problem, open_ticket


def test_customers_can_be_created_listed_and_read(client, auth):
    h = auth("amara")
    made = client.post("/api/v1/customers", json={"name": "Parcelpoint", "tier": "business"}, headers=h)
    assert made.status_code == 201
    cid = made.json()["id"]
    assert client.get(f"/api/v1/customers/{cid}", headers=h).json()["tier"] == "business"
    assert [c["name"] for c in client.get("/api/v1/customers", headers=h).json()["items"]] == ["Parcelpoint"]
    dup = client.post("/api/v1/customers", json={"name": "Parcelpoint", "tier": "business"}, headers=h)
    is_problem(dup, 409)
    bad = client.post("/api/v1/customers", json={"name": "X", "tier": "platinum"}, headers=h)
    assert is_problem(bad, 422)["errors"][0]["field"] == "tier"
    is_problem(client.get("/api/v1/customers/77", headers=h), 404)


def test_roles_carry_their_tier_skills_members_and_direction(client, auth):
    roles = {r["name"]: r for r in client.get("/api/v1/roles", headers=auth("amara")).json()}
    assert roles["api-engineer-oncall"]["title"] == "On-call API Engineer"
    assert roles["api-engineer-oncall"]["tier"] == 3
    assert roles["support-lead"]["direction"] == "hierarchical"
    assert "refunds" in roles["billing-specialist"]["skills"]
    assert client.get("/api/v1/roles/security-team", headers=auth("amara")).json()["members"] == ["noah"]
    is_problem(client.get("/api/v1/roles/wizards", headers=auth("amara")), 404)


def test_agents_show_their_roles_and_open_load(client, auth):
    open_ticket(client, auth, agent="dana")
    agents = {a["name"]: a for a in client.get("/api/v1/agents", headers=auth("amara")).json()}
    assert agents["dana"]["open_tickets"] == 1 and agents["amara"]["open_tickets"] == 0
    assert agents["priya"]["roles"] == ["support-lead"]
    # a colleague's address is for leads (and the agent themself)
    assert client.get("/api/v1/agents/dana", headers=auth("amara")).json()["email"] is None
    assert client.get("/api/v1/agents/dana", headers=auth("priya")).json()["email"].endswith(".example")
    assert client.get("/api/v1/agents/amara", headers=auth("amara")).json()["email"].endswith(".example")
    is_problem(client.get("/api/v1/agents/zed", headers=auth("amara")), 404)


def test_the_running_playbook_and_its_version_can_be_read(client, auth, baton):
    playbook = client.get("/api/v1/playbook", headers=auth("amara")).json()
    assert playbook["version"] == baton.playbook.version
    assert [t["level"] for t in playbook["tiers"]] == [1, 2, 3, 4]
    assert "configuration" in playbook["handoff_notes"]["required"]["handoff"]


def test_the_openapi_document_is_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/tickets/{ticket_id}/escalations/{number}/bounce" in spec["paths"]
