"""Knowledge drafts end to end on SQLite and PostgreSQL: drafted when an escalated
ticket is resolved, refreshed on a second resolution, edited under a version guard,
published by a lead only once it has a cause, and then suggested."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from tests.e2e.test_api_tickets import is_problem, open_ticket

Auth = Callable[[str], dict[str, str]]

RATE_NOTE = {
    "summary": "API returns 429 far below the contracted limit",
    "steps_tried": "Checked the key's limit in the admin console: 600/min",
    "error_messages": "HTTP 429 Too Many Requests, code RL-4021",
    "configuration": "Enterprise key orders-sync",
    "desired_outcome": "Calls succeed at the contracted rate",
}
EXPORT_NOTE = {
    "summary": "Nightly CSV export to S3 stalls at 0 %",
    "steps_tried": "Re-ran the export by hand: it stalls too",
    "error_messages": "none seen",
    "configuration": "Business plan, nightly export",
    "desired_outcome": "The nightly export completes",
}


def escalate(client: TestClient, auth: Auth, note: dict[str, str], **overrides: Any) -> tuple[int, str]:
    """An API ticket handed off to the on-call engineers; returns its id and the engineer."""
    fields = {
        "subject": "API returns 429 far below our limit",
        "body": "Our integration gets HTTP 429 Too Many Requests at 40 requests a minute.",
        "category": "api",
        "severity": "high",
    } | overrides
    tid = open_ticket(client, auth, **fields)["id"]
    response = client.post(
        f"/api/v1/tickets/{tid}/escalations",
        json={"kind": "handoff", "target_role": "api-engineer-oncall", "reason": "rate limiter", "note": note},
        headers=auth("amara"),
    )
    assert response.status_code == 201, response.text
    return tid, response.json()["to_agent"]


def internal(client: TestClient, auth: Auth, tid: int, agent: str, body: str) -> None:
    response = client.post(
        f"/api/v1/tickets/{tid}/messages", json={"body": body, "visibility": "internal"}, headers=auth(agent)
    )
    assert response.status_code == 201, response.text


def resolve(client: TestClient, auth: Auth, tid: int, agent: str, resolution: str) -> None:
    response = client.post(f"/api/v1/tickets/{tid}/resolve", json={"resolution": resolution}, headers=auth(agent))
    assert response.status_code == 200, response.text


def articles(client: TestClient, auth: Auth, status: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/knowledge?status={status}", headers=auth("amara"))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def drafted_rate_limit_ticket(client: TestClient, auth: Auth, clock: Any, *, cause: bool) -> tuple[int, str]:
    tid, engineer = escalate(client, auth, RATE_NOTE)
    clock.advance(timedelta(minutes=15))
    internal(client, auth, tid, engineer, "Compared the key's limit with the gateway config.")
    if cause:
        internal(client, auth, tid, engineer, "The gateway limit was reset to 60/min by the March migration.")
    clock.advance(timedelta(minutes=15))
    resolve(client, auth, tid, engineer, "Restored the gateway limit of the key to 600/min.")
    return tid, engineer


def test_resolving_an_escalated_ticket_drafts_one_article_from_its_notes(client, auth, clock):
    tid, engineer = drafted_rate_limit_ticket(client, auth, clock, cause=True)

    drafts = articles(client, auth, "draft")
    assert len(drafts) == 1
    draft = drafts[0]
    assert draft["ticket_id"] == tid and draft["status"] == "draft" and draft["version"] == 1
    assert draft["title"] == RATE_NOTE["summary"]
    assert draft["problem"] == RATE_NOTE["summary"]
    assert draft["cause"] == "The gateway limit was reset to 60/min by the March migration."
    assert draft["steps"] == [
        "Compared the key's limit with the gateway config.",
        "Restored the gateway limit of the key to 600/min.",
    ]
    assert "code RL-4021" in draft["errors"]
    assert draft["missing"] == []
    assert draft["sources"]["cause"] == f"internal note #2 by {engineer}"
    one = client.get(f"/api/v1/knowledge/{draft['id']}", headers=auth("amara")).json()
    assert one == draft


def test_resolving_a_ticket_that_was_never_escalated_drafts_nothing(client, auth):
    tid = open_ticket(client, auth)["id"]
    resolve(client, auth, tid, "amara", "Refunded the duplicate charge because the gateway retried it.")

    assert articles(client, auth, "draft") == []


def test_a_reopened_ticket_resolved_again_refreshes_the_same_draft(client, auth, clock):
    tid, engineer = drafted_rate_limit_ticket(client, auth, clock, cause=False)
    first = articles(client, auth, "draft")[0]
    assert first["cause"] == "" and first["missing"] == ["cause"]

    reopened = client.post(f"/api/v1/tickets/{tid}/reopen", json={"reason": "429s again"}, headers=auth("amara"))
    assert reopened.status_code == 200, reopened.text
    clock.advance(timedelta(minutes=30))
    internal(client, auth, tid, engineer, "The key's quota was overwritten by the nightly sync job.")
    resolve(client, auth, tid, engineer, "Excluded the key from the nightly sync and restored 600/min.")

    drafts = articles(client, auth, "draft")
    assert len(drafts) == 1
    again = drafts[0]
    assert again["id"] == first["id"] and again["version"] == first["version"] + 1
    assert again["cause"] == "The key's quota was overwritten by the nightly sync job."
    assert again["steps"][-1] == "Excluded the key from the nightly sync and restored 600/min."
    assert again["missing"] == []


def test_a_cause_a_person_wrote_survives_a_redraft(client, auth, clock):
    tid, engineer = drafted_rate_limit_ticket(client, auth, clock, cause=False)
    draft = articles(client, auth, "draft")[0]
    edited = client.patch(
        f"/api/v1/knowledge/{draft['id']}",
        json={"cause": "A migration lowered the gateway limit.", "expected_version": draft["version"]},
        headers=auth(engineer),
    )
    assert edited.status_code == 200, edited.text

    client.post(f"/api/v1/tickets/{tid}/reopen", json={"reason": "429s again"}, headers=auth("amara"))
    resolve(client, auth, tid, engineer, "Restored 600/min again.")

    again = articles(client, auth, "draft")[0]
    assert again["cause"] == "A migration lowered the gateway limit."
    assert again["sources"]["cause"] == f"edited by {engineer}"
    assert again["steps"][-1] == "Restored 600/min again."


def test_publishing_needs_a_lead_and_a_cause(client, auth, clock):
    _, engineer = drafted_rate_limit_ticket(client, auth, clock, cause=False)
    draft = articles(client, auth, "draft")[0]
    url = f"/api/v1/knowledge/{draft['id']}"

    refused = is_problem(client.post(f"{url}/publish", headers=auth(engineer)), 403)
    assert "lead" in refused["detail"]

    empty = is_problem(client.post(f"{url}/publish", headers=auth("priya")), 422)
    assert [e["field"] for e in empty["errors"]] == ["cause"]
    assert "fill in the cause" in empty["detail"]

    stale = client.patch(
        url, json={"cause": "Too late.", "expected_version": draft["version"] - 1}, headers=auth("priya")
    )
    assert is_problem(stale, 409)
    edited = client.patch(
        url,
        json={"cause": "The March migration lowered the gateway limit.", "expected_version": draft["version"]},
        headers=auth("priya"),
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == draft["version"] + 1 and edited.json()["missing"] == []

    published = client.post(
        f"{url}/publish", json={"expected_version": edited.json()["version"]}, headers=auth("priya")
    )
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["status"] == "published" and body["reviewed_by"] == "priya" and body["published_at"]
    assert [a["id"] for a in articles(client, auth, "published")] == [draft["id"]]
    assert articles(client, auth, "draft") == []


def test_edits_are_checked_field_by_field_and_by_who_may_edit(client, auth, clock):
    drafted_rate_limit_ticket(client, auth, clock, cause=True)
    draft = articles(client, auth, "draft")[0]
    url = f"/api/v1/knowledge/{draft['id']}"
    version = draft["version"]

    empty = is_problem(client.patch(url, json={"title": "  ", "expected_version": version}, headers=auth("amara")), 422)
    assert [e["field"] for e in empty["errors"]] == ["title"]
    outsider = client.patch(url, json={"cause": "Guess.", "expected_version": version}, headers=auth("greta"))
    assert "involved" in is_problem(outsider, 403)["detail"]
    assert is_problem(client.get("/api/v1/knowledge/999", headers=auth("amara")), 404)
    assert is_problem(client.get("/api/v1/knowledge?status=someday", headers=auth("amara")), 422)

    steps = client.patch(
        url, json={"steps": ["Restore 600/min.", " "], "expected_version": version}, headers=auth("amara")
    )
    assert steps.status_code == 200 and steps.json()["steps"] == ["Restore 600/min."]


def test_a_published_article_is_left_alone_by_a_later_resolution_and_a_discarded_one_too(client, auth, clock):
    tid, engineer = drafted_rate_limit_ticket(client, auth, clock, cause=True)
    article = articles(client, auth, "draft")[0]
    client.post(f"/api/v1/knowledge/{article['id']}/publish", headers=auth("priya"))

    client.post(f"/api/v1/tickets/{tid}/reopen", json={"reason": "429s again"}, headers=auth("amara"))
    resolve(client, auth, tid, engineer, "Something else entirely.")
    after = client.get(f"/api/v1/knowledge/{article['id']}", headers=auth("amara")).json()
    assert after["status"] == "published" and "Something else entirely." not in after["steps"]

    discarded = client.post(f"/api/v1/knowledge/{article['id']}/discard", headers=auth("priya"))
    assert discarded.status_code == 200 and discarded.json()["status"] == "discarded"
    assert is_problem(client.post(f"/api/v1/knowledge/{article['id']}/publish", headers=auth("priya")), 409)


def test_only_published_articles_are_suggested(client, auth, clock, baton):
    drafted_rate_limit_ticket(client, auth, clock, cause=True)
    export_tid, engineer = escalate(
        client, auth, EXPORT_NOTE, subject="Nightly export stalls", body="The nightly CSV export to S3 stalls at 0 %."
    )
    internal(client, auth, export_tid, engineer, "The export worker was stuck because its S3 token had expired.")
    resolve(client, auth, export_tid, engineer, "Rotated the S3 token and restarted the export worker.")
    rate, export = sorted(articles(client, auth, "draft"), key=lambda a: a["ticket_id"])
    assert baton.articles.suggest("we get 429 from the API, rate limit far too low") == []

    client.post(f"/api/v1/knowledge/{rate['id']}/publish", headers=auth("priya"))

    found = baton.articles.suggest("we get HTTP 429 from the API, the rate limit seems far too low")
    assert [f["id"] for f in found] == [rate["id"]]
    assert found[0]["url"] == f"/knowledge/{rate['id']}" and found[0]["title"] == RATE_NOTE["summary"]
    assert 0 < found[0]["score"] <= 1
    assert baton.articles.suggest("the nightly S3 export stalls, token expired?") == []

    client.post(f"/api/v1/knowledge/{export['id']}/publish", headers=auth("priya"))
    assert [f["id"] for f in baton.articles.suggest("nightly S3 export stalls")] == [export["id"]]
    # Sharing a word is not sharing the problem: one word in common is not enough at any score.
    assert baton.articles.suggest("how do I add a chart to the nightly report?", min_score=0.0) == []
    assert baton.articles.suggest("the nightly export to S3, can it run hourly?", min_score=0.0)
