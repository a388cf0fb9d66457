"""The seed's rule in the browser: a specialist's public reply waits as a draft; the
accountable agent edits and sends it from the ticket page; the specialist cannot; a
colleague outside the ticket sees neither its notes nor its trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from baton.core import commands as cmd
from baton.core.playbook import EscalationKind
from baton.services.clock import FixedClock
from baton.services.tickets import NewCustomer, NewTicket
from baton.services.tokens import create_token

from .conftest import Site, serve, sign_in, sqlite_baton

pytestmark = pytest.mark.browser

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
NOTE = {
    "summary": "Scheduled exports fail",
    "steps_tried": "re-ran the export: same 500",
    "error_messages": "HTTP 500 on /exports",
    "configuration": "enterprise plan, S3 target",
    "desired_outcome": "exports run again",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with sqlite_baton(tmp_path_factory.mktemp("voice"), FixedClock(NOW)) as baton:
        new = NewTicket(
            "Chart legend overlaps the labels",
            "On the revenue dashboard the legend covers the axis labels.",
            "medium",
            "bug",
            "email",
            customer=NewCustomer("Acme Analytics", "enterprise"),
            agent="amara",
        )
        tid = baton.tickets.open("amara", new).ticket.id
        handoff = cmd.Escalate(EscalationKind.HANDOFF, "product-specialist", "dashboard bug", NOTE, "ines")
        baton.tickets.execute("amara", tid, handoff)
        baton.tickets.execute("ines", tid, cmd.AddMessage("Looks like the key expired.", "internal"))
        baton.tickets.execute("ines", tid, cmd.AddMessage("Your export key expired; renew it in Settings."))
        with serve(baton) as url:
            yield Site(url, create_token(baton.engine, "amara", NOW), baton)


def ticket_path(site: Site) -> str:
    return "/tickets/1"


def test_the_accountable_agent_edits_and_sends_a_specialists_draft(page: Page, site: Site) -> None:
    sign_in(page, site, ticket_path(site))
    draft = page.locator("#draft-1")
    expect(draft).to_contain_text("Draft 1 by ines")
    expect(page.locator(".message")).not_to_contain_text(["Your export key expired"])

    draft.get_by_label("Reply to the customer").fill("Hi Jo, your export key expired: renew it under Settings → Keys.")
    draft.get_by_role("button", name="Send to the customer").click()

    expect(page.locator("#draft-1")).to_have_count(0)
    sent = page.locator(".message", has_text="renew it under Settings")
    expect(sent).to_contain_text("amara")
    expect(sent).to_contain_text("public")
    expect(page.locator("#trail")).to_contain_text("DraftSent")
    expect(page.locator("#trail-check")).to_contain_text("The trail verifies")


def test_the_specialist_sees_the_draft_but_cannot_send_it(page: Page, site: Site) -> None:
    site.baton.tickets.execute("ines", 1, cmd.AddMessage("A second thought for the customer."))
    token = create_token(site.baton.engine, "ines", NOW)
    sign_in(page, site, ticket_path(site), token=token)
    draft = page.locator(".draft", has_text="A second thought")
    expect(draft).to_be_visible()
    expect(draft.get_by_role("button", name="Send to the customer")).to_have_count(0)


def test_a_colleague_outside_the_ticket_sees_no_notes_brief_or_trail(page: Page, site: Site) -> None:
    sign_in(page, site, ticket_path(site), token=create_token(site.baton.engine, "liam", NOW))
    expect(page.locator("h1")).to_contain_text("Chart legend overlaps")
    expect(page.locator("#not-involved")).to_be_visible()
    expect(page.locator(".message.internal")).to_have_count(0)
    expect(page.locator("#trail")).to_have_count(0)
    expect(page.locator("#brief")).to_have_count(0)
