"""The similar-ticket index the application keeps (`Baton.similar_tickets`): built on
first use, looked at again once per REFRESH of the clock, and each application has its
own."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from baton.services.suggestions import REFRESH, SimilarTickets, similar_to
from baton.services.unit_of_work import read_only
from tests.e2e.test_api_tickets import open_ticket

EXPORT = {"subject": "Scheduled export stuck in progress", "body": "Our nightly CSV export has been stuck for hours."}


def resolved_export(client, auth) -> int:
    ticket = open_ticket(client, auth, category="data-export", **EXPORT)
    response = client.post(
        f"/api/v1/tickets/{ticket['id']}/resolve", json={"resolution": "Re-ran the export."}, headers=auth("amara")
    )
    assert response.status_code == 200, response.text
    return int(ticket["id"])


def test_a_new_resolution_is_seen_once_the_index_is_an_hour_old(client, auth, baton, clock):
    first = resolved_export(client, auth)
    asking = open_ticket(client, auth, subject="Export stuck again", body="The scheduled CSV export is stuck.")
    with read_only(baton.engine) as uow:
        ticket = uow.tickets.get(asking["id"])
    now = clock.now()

    found, _ = similar_to(baton.similar_tickets, ticket, now, 5)
    assert [m.ticket_id for m in found] == [first]

    second = resolved_export(client, auth)
    within, _ = similar_to(baton.similar_tickets, ticket, now + REFRESH - timedelta(seconds=1), 5)
    assert [m.ticket_id for m in within] == [first], "within the hour the index is not looked at again"
    fresh, _ = similar_to(SimilarTickets(baton.engine), ticket, now, 5)
    assert sorted(m.ticket_id for m in fresh) == [first, second], "a fresh index reads every resolution"

    later, _ = similar_to(baton.similar_tickets, ticket, now + REFRESH, 5)
    assert sorted(m.ticket_id for m in later) == [first, second]


def test_each_application_keeps_its_own_indexes(baton):
    other = dataclasses.replace(baton)

    assert baton.similar_tickets is baton.similar_tickets
    assert other.similar_tickets is not baton.similar_tickets
    assert other.articles is not baton.articles
    assert other.rewrites is not baton.rewrites
