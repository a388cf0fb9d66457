"""Suggestions for an open ticket: a classification with its source and reason, and the
most similar resolved tickets with what resolved them."""

from __future__ import annotations

from tests.e2e.test_api_tickets import open_ticket


def test_suggestions_give_a_category_with_its_reason_and_similar_resolved_tickets(client, auth):
    h = auth("amara")
    export = open_ticket(
        client,
        auth,
        subject="Scheduled export stuck in progress",
        body="Our nightly CSV export to S3 has been in progress for 19 hours.",
        category="data-export",
    )
    other = open_ticket(client, auth, subject="Change our invoice address", body="Please use our new address.")
    client.post(
        f"/api/v1/tickets/{export['id']}/resolve", json={"resolution": "Skipped a malformed row and re-ran."}, headers=h
    )
    client.post(f"/api/v1/tickets/{other['id']}/resolve", json={"resolution": "Updated the address."}, headers=h)

    new = open_ticket(
        client,
        auth,
        subject="Export stuck again",
        body="The scheduled export is stuck in progress since last night, the CSV never arrives.",
        category="bug",
    )
    found = client.get(f"/api/v1/tickets/{new['id']}/suggestions", headers=h).json()
    assert found["classification"]["category"] == "data-export"
    assert found["classification"]["source"] == "hints"
    assert "scheduled export" in found["classification"]["reason"]
    similar = found["similar"]
    assert similar[0]["ticket_id"] == export["id"]
    assert similar[0]["resolution"] == "Skipped a malformed row and re-ran."
    assert similar[0]["score"] > similar[-1]["score"] or len(similar) == 1
    assert new["id"] not in [s["ticket_id"] for s in similar]


def test_with_no_hint_and_no_model_the_suggestion_falls_back_saying_why(client, auth):
    quiet = open_ticket(client, auth, subject="Hello", body="Something odd happened.", category="how-to")
    found = client.get(f"/api/v1/tickets/{quiet['id']}/suggestions", headers=auth("amara")).json()
    assert found["classification"]["source"] == "fallback"
    assert "model" in found["classification"]["reason"]
    assert found["similar"] == [] and found["similar_note"] == "no resolved tickets yet"


def test_suggestions_for_an_unknown_ticket_are_404(client, auth):
    assert client.get("/api/v1/tickets/777/suggestions", headers=auth("amara")).status_code == 404
