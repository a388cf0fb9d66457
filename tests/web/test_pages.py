"""The web pages in a real Chromium against the real app on a real HTTP server:
signing in, the ticket list with its ownership columns, a ticket with its
thread, ownership card, escalations and trail, and the not-found page.

The data is a three-day demo history (seed 7, ending 2026-11-20) run through
the real services (its outbox delivered as the worker would); the site is served on a
clock fixed at the next morning, so nothing on the pages depends on the date the suite
runs. Expectations are read back from the same database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from baton.app import Baton
from baton.core.policy import ReadScope, caller_for, read_scope
from baton.demo.simulate import simulate
from baton.services.clock import FixedClock
from baton.services.tokens import create_token
from baton.services.unit_of_work import read_only

from .conftest import Site, serve, sign_in, sqlite_baton

pytestmark = pytest.mark.browser

DEMO_END = date(2026, 11, 20)
TOKEN_AT = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # the Saturday morning after the demo's last day
LIST_SHOT = Path("/tmp/baton-list.png")
TICKET_SHOT = Path("/tmp/baton-ticket.png")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on a migrated SQLite file with a small demo history, served by uvicorn."""
    with sqlite_baton(tmp_path_factory.mktemp("web"), FixedClock(NOW)) as baton:
        simulate(baton.engine, baton.playbook, days=3, seed=7, end=DEMO_END, classifier=baton.classifier)
        token = create_token(baton.engine, "amara", TOKEN_AT)
        with serve(baton) as url:
            yield Site(url, token, baton)


def _cells(scope: Page | Locator, selector: str) -> list[str]:
    return [text.strip() for text in scope.locator(selector).all_inner_texts()]


def _amaras(baton: Baton) -> ReadScope:
    """What amara (a frontline agent) sees: not the security tickets, restricted to their team."""
    return read_scope(caller_for(baton.playbook, "amara"), baton.playbook)


def _first_page_rows(baton: Baton) -> list[Any]:
    with read_only(baton.engine) as uow:
        return uow.tickets.page(limit=50, scope=_amaras(baton))


def test_visiting_the_list_unauthenticated_redirects_to_sign_in_and_a_wrong_token_is_refused(
    page: Page, site: Site
) -> None:
    page.goto(site.url + "/")

    expect(page).to_have_url(f"{site.url}/login?next=%2F")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#tickets")).to_have_count(0)

    page.get_by_label("API token").fill("bt_this-token-was-never-issued")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("unknown or revoked")
    expect(page).to_have_url(f"{site.url}/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#tickets")).to_have_count(0)
    assert not [c for c in page.context.cookies() if c["name"] == "baton_session"]


def test_signing_in_with_a_token_shows_the_ticket_list_with_its_ownership_columns(page: Page, site: Site) -> None:
    sign_in(page, site)

    table = page.locator("#tickets")
    expect(table).to_be_visible()
    expect(page.locator("header .who")).to_have_text("signed in as amara")
    headers = _cells(page, "#tickets thead th")
    assert {"Accountable", "Responsible role", "Tier", "Ownership"} <= set(headers)

    expected = _first_page_rows(site.baton)
    assert expected, "the demo history should hold tickets"
    with read_only(site.baton.engine) as uow:
        total = uow.tickets.count(scope=_amaras(site.baton))
        assert total < uow.tickets.count(), "the demo holds security tickets amara may not see"
    expect(page.locator("h1")).to_have_text(f"Tickets ({total} in all)")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(expected))
    ownership_column = headers.index("Ownership") + 1
    assert _cells(page, "#tickets tbody td:first-child") == [str(r.id) for r in expected]
    assert _cells(page, "#tickets tbody td.accountable") == [r.accountable_agent for r in expected]
    assert [cell.splitlines()[0] for cell in _cells(page, "#tickets tbody td.responsible")] == [
        r.responsible_role for r in expected
    ]
    assert _cells(page, "#tickets tbody td.tier") == [str(r.escalation_level) for r in expected]
    states = _cells(page, f"#tickets tbody td:nth-child({ownership_column})")
    assert states == [r.ownership_state for r in expected]
    # A three-day demo has both: tickets worked alone and tickets handed off to a
    # specialist while the first agent keeps the customer.
    assert "full" in states
    assert "split" in states
    split = rows.filter(has=page.locator(".state-split")).first
    assert int(split.locator("td.tier").inner_text()) > 1
    page.screenshot(path=str(LIST_SHOT), full_page=True)


def test_clicking_a_ticket_shows_its_thread_ownership_and_trail(page: Page, site: Site) -> None:
    sign_in(page, site)
    first = page.locator("#tickets tbody tr").first
    ticket_id = int(first.locator("td").first.inner_text())

    first.locator("td").nth(1).get_by_role("link").click()

    expect(page).to_have_url(f"{site.url}/tickets/{ticket_id}")
    with read_only(site.baton.engine) as uow:
        ticket = uow.tickets.get(ticket_id)
        messages = uow.tickets.messages(ticket_id)
        events = uow.tickets.events(ticket_id)
    expect(page.locator("h1")).to_have_text(f"#{ticket_id} {ticket.subject}")

    assert messages, "every demo ticket has at least the customer's first message"
    expect(page.locator(".message")).to_have_count(len(messages))
    expect(page.locator(".message").first).to_contain_text(messages[0].author)

    ownership = page.locator("#ownership")
    expect(ownership).to_contain_text(ticket.ownership.state.value)
    expect(ownership.locator(".accountable")).to_have_text(ticket.ownership.accountable_agent)
    expect(ownership.locator(".responsible")).to_contain_text(f"tier {ticket.escalation_level}")

    trail = page.locator("#trail tbody tr")
    expect(trail).to_have_count(len(events))
    expect(trail.first.locator("td").first).to_have_text("1")
    expect(trail.first.locator("td").nth(3)).to_contain_text("TicketOpened")
    expect(trail.first.locator("td").nth(4)).to_have_text(site.baton.playbook.version)


def test_an_escalated_ticket_shows_its_escalations_with_the_handoff_note(page: Page, site: Site) -> None:
    sign_in(page, site)
    split = page.locator("#tickets tbody tr").filter(has=page.locator(".state-split")).first
    ticket_id = int(split.locator("td").first.inner_text())

    split.locator("td").first.get_by_role("link").click()

    expect(page).to_have_url(f"{site.url}/tickets/{ticket_id}")
    with read_only(site.baton.engine) as uow:
        escalations = uow.tickets.get(ticket_id).escalations
    assert any(e.kind == "handoff" for e in escalations)
    cards = page.locator(".card.escalation")
    expect(cards).to_have_count(len(escalations))
    expect(page.locator("#ownership")).to_contain_text("split")
    for card, escalation in zip(cards.all(), escalations, strict=True):
        expect(card).to_contain_text(f"#{escalation.number}")
        expect(card).to_contain_text(escalation.kind)
        expect(card).to_contain_text(f"Reason: {escalation.reason}")
        labels = _cells(card, "dt")
        values = [v.strip() for v in card.locator("dd").all_text_contents()]
        expected = {site.baton.playbook.note_fields[k].label: v for k, v in escalation.note.items()}
        assert dict(zip(labels, values, strict=True)) == expected
    handoff = cards.filter(has_text="handoff").first
    for label in ("Summary", "Steps tried", "Error messages", "Configuration", "Desired outcome"):
        expect(handoff.locator("dt", has_text=label)).to_have_count(1)
    page.screenshot(path=str(TICKET_SHOT), full_page=True)


def test_signing_in_from_a_ticket_link_returns_to_that_ticket(page: Page, site: Site) -> None:
    ticket_id = _first_page_rows(site.baton)[0].id

    sign_in(page, site, f"/tickets/{ticket_id}")

    expect(page.locator("#ownership")).to_be_visible()


def test_a_ticket_that_does_not_exist_shows_a_not_found_page(page: Page, site: Site) -> None:
    sign_in(page, site)

    response = page.goto(f"{site.url}/tickets/99999")

    assert response is not None
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    expect(page.locator("main")).to_contain_text("ticket 99999 does not exist")
    expect(page.get_by_role("link", name="Back to tickets")).to_be_visible()


def test_an_open_ticket_shows_its_suggestions_and_what_was_pushed_to_its_owner(page: Page, site: Site) -> None:
    from baton.core.events import SuggestionsPushed
    from baton.services.suggestions import ticket_suggestions

    with read_only(site.baton.engine) as uow:
        active = uow.tickets.page(status="open", limit=500)
        stuck = next(
            (t.id, r)
            for t in active
            for r in reversed(uow.tickets.events(t.id))
            if isinstance(r.event, SuggestionsPushed) and r.event.tickets
        )
    ticket_id, pushed = stuck
    with read_only(site.baton.engine) as uow:
        ticket = uow.tickets.get(ticket_id)
    b = site.baton
    expected = ticket_suggestions(b.classifier, b.similar_tickets, b.articles, ticket, b.clock.now())
    assert expected["similar"], "a stuck demo ticket with pushed suggestions has similar resolved tickets"

    sign_in(page, site, f"/tickets/{ticket_id}")

    panel = page.locator("#suggestions")
    expect(panel.locator("#classification")).to_contain_text(expected["classification"]["category"])
    expect(panel.locator("#classification")).to_contain_text(expected["classification"]["reason"])
    similar = panel.locator(".similar")
    expect(similar).to_have_count(len(expected["similar"]))
    first = expected["similar"][0]
    expect(similar.first).to_contain_text(f"#{first['ticket_id']}")
    expect(panel.locator("#pushed")).to_contain_text(f"rule {pushed.event.rule}")
    expect(panel.locator("#pushed")).to_contain_text(f"#{pushed.event.tickets[0]['ticket_id']}")

    similar.first.get_by_role("link").click()
    expect(page).to_have_url(f"{site.url}/tickets/{first['ticket_id']}")
    expect(page.locator("#suggestions")).to_have_count(0)  # a resolved ticket needs none


def test_the_ticket_list_shows_what_baton_sent_the_signed_in_agent(page: Page, site: Site) -> None:
    from baton.services.outbox import notifications_for

    expected = notifications_for(site.baton.reads, "amara", limit=10)
    assert expected, "the demo's outbox was delivered: amara heard of her tickets"
    sign_in(page, site)
    items = page.locator("#notifications .notification")
    expect(items).to_have_count(len(expected))
    expect(items.first).to_contain_text(f"#{expected[0].ticket_id} {expected[0].subject}")
    expect(items.first).to_contain_text(expected[0].text)
