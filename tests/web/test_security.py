"""Signing in, sessions and forged forms in a real Chromium against the real app on a
real HTTP server, with a hostile page served from a second origin (another port of the
same host: the same *site*, so the SameSite=Lax cookie goes along, and only the Origin
check and the CSRF token stand in the way).

The site has a fortnight of demo history, one resolved escalated ticket with a draft
article, and an LLM (a fake one on 127.0.0.1) for the brief rewrite, all on a clock
fixed at the time the tokens are issued."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from sqlalchemy import select

from baton.demo.simulate import simulate
from baton.services.clock import FixedClock
from baton.services.knowledge import DRAFT, get_article, list_articles
from baton.services.tokens import create_token, list_tokens, revoke_token
from baton.store import tables as t
from tests.e2e.test_api_brief_rewrite import FakeLLM

from .conftest import Site, serve, sign_in, sqlite_baton
from .test_knowledge_page import _resolved_escalated_ticket

pytestmark = pytest.mark.browser

DEMO_END = date(2026, 11, 20)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SESSION = "baton_session"


@dataclass(frozen=True)
class SecuritySite(Site):
    """`token` is the lead's (priya, who may publish); `article_id` a draft waiting for review."""

    article_id: int
    ticket_id: int
    agent_token: str


class Hostile:
    """Pages of another origin (127.0.0.1 on another port), each set with :meth:`serve`."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path, "<p>nothing here</p>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="hostile-site", daemon=True)
        self.thread.start()

    def serve(self, path: str, html: str) -> str:
        self.pages[path] = html
        return self.url + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuritySite]:
    with FakeLLM() as llm, sqlite_baton(tmp_path_factory.mktemp("web-security"), FixedClock(NOW)) as baton:
        simulate(baton.engine, baton.playbook, days=14, seed=7, end=DEMO_END)
        ticket_id = _resolved_escalated_ticket(baton)
        [article] = [a for a in list_articles(baton.engine, DRAFT) if a.ticket_id == ticket_id]
        lead, agent = (create_token(baton.engine, name, NOW) for name in ("priya", "amara"))
        settings = baton.settings.model_copy(update={"llm_url": llm.url, "llm_model": "brief-writer"})
        with serve(dataclasses.replace(baton, settings=settings)) as url:
            yield SecuritySite(url, lead, baton, article.id, ticket_id, agent)


@pytest.fixture(scope="module")
def hostile() -> Iterator[Hostile]:
    other = Hostile()
    try:
        yield other
    finally:
        other.close()


def _violations(page: Page) -> list[str]:
    """Every Content-Security-Policy complaint Chromium logs on this page from now on."""
    seen: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            seen.append(f"{page.url}: {message.text}")

    page.on("console", listen)
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


def _session_cookie(page: Page, site: Site) -> dict[str, Any]:
    [cookie] = [c for c in page.context.cookies(site.url) if c["name"] == SESSION]
    return dict(cookie)


def test_signing_in_keeps_a_session_secret_in_the_cookie_never_the_token(page: Page, site: SecuritySite) -> None:
    sign_in(page, site)

    cookies = page.context.cookies(site.url)
    cookie = _session_cookie(page, site)
    assert all(site.token not in c["value"] for c in cookies), "the API token never reaches the browser's cookies"
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["secure"] is False, "plain http on 127.0.0.1: a Secure cookie would never come back"
    expect(page.locator("header .who")).to_have_text("signed in as priya")


def test_signing_out_ends_the_session_so_a_copy_of_the_old_cookie_no_longer_works(
    page: Page, site: SecuritySite
) -> None:
    sign_in(page, site)
    old = _session_cookie(page, site)

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(site.url + "/login")
    assert not [c for c in page.context.cookies(site.url) if c["name"] == SESSION]
    page.context.add_cookies([{"name": SESSION, "value": old["value"], "url": site.url}])
    page.goto(site.url + "/knowledge")
    expect(page).to_have_url(site.url + "/login?next=%2Fknowledge")


def test_revoking_the_token_signed_in_with_ends_its_sessions(page: Page, site: SecuritySite) -> None:
    token = create_token(site.baton.engine, "amara", NOW, "to be revoked")
    sign_in(page, site, "/knowledge", token=token)
    [issued] = [t for t in list_tokens(site.baton.engine) if t.label == "to be revoked"]

    done = revoke_token(site.baton.engine, issued.id, NOW)

    assert done.sessions_ended == 1
    page.reload()
    expect(page).to_have_url(site.url + "/login?next=%2Fknowledge")


def test_a_read_token_cannot_sign_in(page: Page, site: SecuritySite) -> None:
    from baton.core.policy import TokenScope

    token = create_token(site.baton.engine, "amara", NOW, scope=TokenScope.READ)
    page.goto(site.url + "/")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("A read token cannot sign in")
    assert not [c for c in page.context.cookies(site.url) if c["name"] == SESSION]


def test_a_form_posted_from_another_origin_is_refused_and_changes_nothing(
    page: Page, site: SecuritySite, hostile: Hostile
) -> None:
    sign_in(page, site, "/knowledge")  # the lead, who may publish
    before = get_article(site.baton.engine, site.article_id)
    action = f"{site.url}/knowledge/{site.article_id}/publish"
    trap = hostile.serve(
        "/win-a-prize",
        f'<form id="f" method="post" action="{action}">'
        f'<input type="hidden" name="expected_version" value="{before.version}"></form>'
        '<script>document.getElementById("f").submit()</script>',
    )

    with page.expect_navigation(url=action) as navigation:
        page.goto(trap)

    answer = navigation.value
    assert answer is not None and answer.status == 403
    expect(page.locator("h1")).to_have_text("Refused")
    expect(page.locator("body")).to_contain_text("not sent from one of Baton's own pages")
    after = get_article(site.baton.engine, site.article_id)
    assert (after.status, after.version, after.reviewed_by) == (before.status, before.version, before.reviewed_by)
    assert after.status == DRAFT


def test_a_form_from_another_origin_is_refused_even_with_a_valid_token_it_could_not_know(
    page: Page, site: SecuritySite, hostile: Hostile
) -> None:
    """The sign-out form of the hostile origin, in the signed-in browser: still refused,
    and the session still works afterwards."""
    sign_in(page, site, "/knowledge")
    trap = hostile.serve(
        "/sign-out",
        f'<form id="f" method="post" action="{site.url}/logout"></form>'
        '<script>document.getElementById("f").submit()</script>',
    )
    with page.expect_navigation(url=f"{site.url}/logout") as navigation:
        page.goto(trap)
    assert navigation.value is not None and navigation.value.status == 403

    page.goto(site.url + "/knowledge")
    expect(page).to_have_url(site.url + "/knowledge")
    expect(page.locator("header .who")).to_have_text("signed in as priya")


def test_every_page_and_api_answer_carries_the_security_headers(page: Page, site: SecuritySite) -> None:
    sign_in(page, site, "/knowledge")
    for path in ("/knowledge", f"/tickets/{site.ticket_id}", "/login", "/static/baton.css", "/api/v1/agents"):
        response = page.request.get(site.url + path, max_redirects=0)
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "same-origin", path
        assert "strict-transport-security" not in headers, f"{path}: no HSTS over plain http"


def test_the_ticket_and_knowledge_pages_raise_no_csp_violation(page: Page, site: SecuritySite) -> None:
    seen = _violations(page)
    sign_in(page, site, f"/tickets/{site.ticket_id}")

    # the rewrite comes from the LLM through /static/ticket.js once the page has loaded
    expect(page.locator("#brief-rewrite .rewrite-by")).to_contain_text("Rewritten by")
    expect(page.locator("header")).to_have_css("background-color", "rgb(21, 32, 58)")  # baton.css applies
    page.goto(f"{site.url}/knowledge")
    expect(page.locator("#drafts")).to_be_visible()
    page.goto(f"{site.url}/knowledge/{site.article_id}")
    widths = page.locator("#title").evaluate("e => [e.offsetWidth, e.parentElement.clientWidth]")
    assert widths[0] == widths[1], "baton.css's .wide makes the inputs as wide as their paragraph"
    page.goto(f"{site.url}/")
    expect(page.locator("#tickets")).to_be_visible()
    page.goto(f"{site.url}/reports")
    expect(page.locator("svg.chart").first).to_be_visible()

    assert seen == []


def test_baton_cannot_be_framed_by_another_origin(page: Page, site: SecuritySite, hostile: Hostile) -> None:
    seen = _violations(page)
    frame_page = hostile.serve("/frame", f'<iframe id="baton" src="{site.url}/login"></iframe>')

    page.goto(frame_page)

    page.wait_for_timeout(500)
    [child] = [f for f in page.frames if f != page.main_frame]
    assert not child.url.startswith(site.url), f"the sign-in page rendered inside another site's frame: {child.url}"
    assert child.get_by_role("heading", name="Sign in").count() == 0
    assert any("frame-ancestors" in text for text in seen), seen


def test_the_session_row_keeps_only_a_hash_of_the_cookie(page: Page, site: SecuritySite) -> None:
    sign_in(page, site)
    secret = _session_cookie(page, site)["value"]

    with site.baton.engine.connect() as conn:
        hashes = conn.execute(select(t.web_sessions.c.secret_hash)).scalars().all()
    assert hashlib.sha256(secret.encode()).hexdigest() in hashes
    assert secret not in hashes
