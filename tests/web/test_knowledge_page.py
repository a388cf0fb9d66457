"""The knowledge pages in a real Chromium against the real app on a real HTTP server:
a lead finds the draft of a resolved escalated ticket, is told to fill in the cause
before publishing, edits it and publishes; an agent sees no review buttons.
Everything happens on a clock fixed at the time the tokens are issued."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from baton.app import Baton
from baton.core import commands as cmd
from baton.core.playbook import EscalationKind
from baton.services.clock import FixedClock
from baton.services.tickets import NewCustomer, NewTicket
from baton.services.tokens import create_token

from .conftest import Site, serve, sign_in, sqlite_baton

pytestmark = pytest.mark.browser

TOKEN_AT = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
SHOT = Path("/tmp/baton-knowledge.png")
NOTE = {
    "summary": "Webhook deliveries fail with HTTP 401 since the key rotation",
    "steps_tried": "Re-sent one delivery from the console: 401 again",
    "error_messages": "HTTP 401 Unauthorized",
    "configuration": "Business plan, webhooks to the customer's ERP",
    "desired_outcome": "Webhook deliveries succeed",
}
CAUSE = "The signing secret was rotated on our side but not in the customer's ERP."


@dataclass(frozen=True)
class KnowledgeSite(Site):
    """`token` is the agent's (amara); `lead_token` the team lead's (priya)."""

    lead_token: str
    ticket_id: int


def _resolved_escalated_ticket(baton: Baton) -> int:
    """Opened by amara, handed off to the on-call engineers, resolved without a stated cause."""
    new = NewTicket(
        subject="Webhooks fail with 401",
        body="Every webhook delivery to our ERP fails with HTTP 401 since yesterday.",
        severity="medium",
        category="api",
        channel="email",
        customer=NewCustomer("Harbor Freight Partners", "business"),
        agent="amara",
    )
    tid = baton.tickets.open("amara", new).ticket.id
    note = cmd.Escalate(EscalationKind.HANDOFF, "api-engineer-oncall", "webhook signatures", NOTE)
    engineer = baton.tickets.execute("amara", tid, note).ticket.ownership.responsible_agent
    baton.tickets.execute(engineer, tid, cmd.AddMessage("Compared the signatures of a failed delivery.", "internal"))
    baton.tickets.execute(engineer, tid, cmd.Resolve("Shared the new signing secret; deliveries succeed."))
    return tid


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeSite]:
    """The app on a migrated SQLite file with one resolved escalated ticket, served by uvicorn."""
    with sqlite_baton(tmp_path_factory.mktemp("knowledge-web"), FixedClock(TOKEN_AT)) as baton:
        ticket_id = _resolved_escalated_ticket(baton)
        tokens = {agent: create_token(baton.engine, agent, TOKEN_AT) for agent in ("priya", "amara")}
        with serve(baton) as url:
            yield KnowledgeSite(url, tokens["amara"], baton, tokens["priya"], ticket_id)


def test_an_agent_sees_the_draft_but_no_review_buttons(page: Page, site: KnowledgeSite) -> None:
    sign_in(page, site, "/knowledge")

    draft = page.locator("#drafts tbody tr").filter(has_text=NOTE["summary"])
    expect(draft).to_have_count(1)
    draft.get_by_role("link", name=NOTE["summary"]).click()

    expect(page.locator("#source-ticket")).to_have_attribute("href", f"/tickets/{site.ticket_id}")
    expect(page.locator("#missing")).to_contain_text("cause")
    expect(page.get_by_role("button", name="Save")).to_be_visible()
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    expect(page.get_by_role("button", name="Discard")).to_have_count(0)


def test_a_lead_fills_in_the_cause_and_publishes(page: Page, site: KnowledgeSite) -> None:
    sign_in(page, site, "/knowledge", token=site.lead_token)
    expect(page.get_by_role("link", name="Knowledge")).to_be_visible()
    expect(page.locator("#published tbody")).to_contain_text("Nothing published yet")
    page.locator("#drafts tbody tr").filter(has_text=NOTE["summary"]).get_by_role("link").first.click()
    article_url = page.url
    expect(page.locator("#article-status")).to_have_text("draft")

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert")).to_have_text("Fill in the cause before publishing.")
    expect(page.locator("#article-status")).to_have_text("draft")

    page.get_by_label("Cause").fill(CAUSE)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(article_url + "?done=edited")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator("#shown-cause")).to_have_text(CAUSE)
    expect(page.locator("#missing")).to_have_count(0)

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    expect(page.locator("#article-status")).to_have_text("published")
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    page.screenshot(path=str(SHOT), full_page=True)

    page.get_by_role("link", name="← Knowledge").click()
    expect(page.locator("#published tbody tr").filter(has_text=NOTE["summary"])).to_have_count(1)
    expect(page.locator("#drafts tbody")).to_contain_text("No drafts waiting")
    found = site.baton.articles.suggest("our webhooks get 401 Unauthorized after rotating the key", 3)
    assert [f["title"] for f in found] == [NOTE["summary"]]
