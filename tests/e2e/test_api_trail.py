"""GET /api/v1/tickets/{id}/trail: whether a ticket's trail still verifies, over HTTP."""

from __future__ import annotations

from sqlalchemy import delete, update

from baton.services.tickets import NewCustomer, NewTicket
from baton.services.trail import take_anchor
from baton.store import tables as t


def _opened(baton) -> int:  # type: ignore[no-untyped-def]
    new = NewTicket("Export stops", "The nightly export stops.", "low", "bug", "email",
                    customer=NewCustomer("Cedar Lane Foods", "business"), agent="amara")  # fmt: skip
    return int(baton.tickets.open("amara", new).ticket.id)


def test_a_trail_that_holds_verifies(client, auth, baton):
    ticket = _opened(baton)
    answer = client.get(f"/api/v1/tickets/{ticket}/trail", headers=auth("amara"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["verified"] is True and body["problems"] == [] and body["events_checked"] >= 1


def test_an_edited_event_and_a_deleted_one_are_named(client, auth, baton):
    ticket = _opened(baton)
    take_anchor(baton.units, baton.clock.now())
    e = t.ticket_events.c
    with baton.engine.begin() as conn:
        conn.execute(update(t.ticket_events).where(e.ticket_id == ticket, e.seq == 1).values(actor="mallory"))
    body = client.get(f"/api/v1/tickets/{ticket}/trail", headers=auth("amara")).json()
    assert body["verified"] is False
    assert [(p["position"], p["kind"]) for p in body["problems"]] == [(1, "edited")]
    assert body["problems"][0]["detail"]


def test_ids_out_of_range_and_unknown_tickets(client, auth):
    headers = auth("amara")
    assert client.get("/api/v1/tickets/0/trail", headers=headers).status_code == 422
    assert client.get(f"/api/v1/tickets/{2**63}/trail", headers=headers).status_code == 422
    assert client.get(f"/api/v1/tickets/{2**63 - 1}/trail", headers=headers).status_code == 404
    assert client.get(f"/api/v1/tickets/{2**40}/trail", headers=headers).status_code == 404
    assert client.get("/api/v1/tickets/1/trail").status_code == 401


def test_a_deleted_anchored_ticket_is_reported_to_leads_only(client, auth, baton):
    ticket = _opened(baton)
    take_anchor(baton.units, baton.clock.now())
    with baton.engine.begin() as conn:
        for table in reversed(t.metadata.sorted_tables):
            if "ticket_id" in table.c and table is not t.audit_anchor_heads and table.name != "outbox_attempts":
                conn.execute(delete(table).where(table.c.ticket_id == ticket))
        conn.execute(delete(t.tickets).where(t.tickets.c.id == ticket))
    assert client.get(f"/api/v1/tickets/{ticket}/trail", headers=auth("amara")).status_code == 404
    body = client.get(f"/api/v1/tickets/{ticket}/trail", headers=auth("priya")).json()
    assert body["verified"] is False and body["events_checked"] == 0
    assert {p["kind"] for p in body["problems"]} == {"deleted"} and body["problems"][0]["position"] == 1
