"""The web pages in a real Chromium against the real app on a real HTTP server:
signing in, the ticket list with its ownership columns, a ticket with its
thread, ownership card, escalations and trail, and the not-found page.

The data is a three-day demo history (seed 7, ending 2026-11-20) run through
the real services; expectations are read back from the same database."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import uvicorn
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from baton.api.main import create_app
from baton.app import Baton, build
from baton.demo.simulate import simulate
from baton.services.tokens import create_token
from baton.services.unit_of_work import read_only
from baton.settings import EXAMPLE_PLAYBOOK, Settings
from baton.store.db import make_engine
from baton.store.migrate import upgrade
from preflight import CHROMIUM, chromium_problem

pytestmark = pytest.mark.browser

DEMO_END = date(2026, 11, 20)
TOKEN_AT = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
LIST_SHOT = Path("/tmp/baton-list.png")
TICKET_SHOT = Path("/tmp/baton-ticket.png")
TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Site:
    url: str
    token: str
    baton: Baton


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on a migrated SQLite file with a small demo history, served by uvicorn."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'baton.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    baton = build(Settings(database_url=url, playbook=EXAMPLE_PLAYBOOK))
    try:
        simulate(baton.engine, baton.playbook, days=3, seed=7, end=DEMO_END)
        token = create_token(baton.engine, "amara", TOKEN_AT)
        port = _free_port()
        config = uvicorn.Config(create_app(baton), host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="baton-web-test", daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    pytest.fail("the Baton server did not start", pytrace=False)
                time.sleep(0.02)
            yield Site(f"http://127.0.0.1:{port}", token, baton)
        finally:
            server.should_exit = True
            thread.join(10)
    finally:
        baton.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    problem = chromium_problem()
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {problem}", pytrace=False)
        pytest.skip(problem)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in a context of its own: no cookies carried between tests."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Page, site: Site, path: str = "/") -> None:
    page.goto(site.url + path)
    expect(page).to_have_url(f"{site.url}/login?" + urlencode({"next": path}))
    page.get_by_label("API token").fill(site.token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.url + path)


def _cells(scope: Page | Locator, selector: str) -> list[str]:
    return [text.strip() for text in scope.locator(selector).all_inner_texts()]


def _first_page_rows(baton: Baton) -> list[Any]:
    with read_only(baton.engine) as uow:
        return uow.tickets.page(limit=50)


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
    assert not [c for c in page.context.cookies() if c["name"] == "baton_token"]


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
        total = uow.tickets.count()
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
