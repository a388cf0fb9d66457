"""Shared scaffolding for the browser tests: the app served by uvicorn on a free
port, a headless Chromium through Playwright, a fresh page per test and signing
in through the login form.

Each module builds its own data in its own module-scoped `site` fixture, on a
`FixedClock` of its own: the served app reads the time from the `Baton` it is given,
so the pages show the same thing on any day the suite runs."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from baton.api.main import create_app
from baton.app import Baton, build
from baton.services.clock import FixedClock
from baton.settings import EXAMPLE_PLAYBOOK, Settings
from baton.store.db import make_engine
from baton.store.migrate import upgrade
from preflight import CHROMIUM, chromium_problem

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


@contextmanager
def sqlite_baton(directory: Path, clock: FixedClock) -> Iterator[Baton]:
    """The app wired to a freshly migrated SQLite file in `directory` and to `clock`,
    disposed of afterwards. The clock is required and fixed: without one `build`
    falls back to the system clock and the pages change with the date."""
    url = f"sqlite:///{directory / 'baton.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    baton = build(Settings(database_url=url, playbook=EXAMPLE_PLAYBOOK), clock)
    try:
        yield baton
    finally:
        baton.engine.dispose()


@contextmanager
def serve(baton: Baton) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free port; yields its base URL.
    Every request reads the time from `baton.clock`, the fixed clock of `sqlite_baton`."""
    if not isinstance(baton.clock, FixedClock):
        raise TypeError(f"a web test serves a Baton on a FixedClock, not {type(baton.clock).__name__}")
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
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


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


def sign_in(page: Page, site: Site, path: str = "/", token: str | None = None) -> None:
    """Open `path`, get sent to the login form, sign in (with `site.token` unless
    another token is given) and land back on `path`."""
    page.goto(site.url + path)
    expect(page).to_have_url(f"{site.url}/login?" + urlencode({"next": path}))
    page.get_by_label("API token").fill(site.token if token is None else token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.url + path)
