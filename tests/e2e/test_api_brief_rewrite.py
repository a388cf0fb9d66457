"""The optional LLM rewrite of the handoff brief end to end, on SQLite and PostgreSQL,
against a real OpenAI-compatible fake server on the loopback interface: one that
answers with a canned completion and one that never answers in time."""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from baton.api.main import create_app
from baton.app import Baton
from baton.assist.rewrite import AS_BUILT
from tests import signing_in
from tests.e2e.test_api_tickets import HANDOFF_NOTE, is_problem, open_ticket

CANNED = "Cedar Lane's API calls get HTTP 429 Too Many Requests at 40/min (code RL-4021); <b>not</b> markup."
FAKE_MODEL = "fake-brief-writer-1"
SLOW_TIMEOUT = 0.5


class FakeLLM:
    """An OpenAI-compatible ``/v1/chat/completions`` on 127.0.0.1 that records what it is sent.
    ``delay`` makes it hold every request that long (or until it is stopped) before answering."""

    def __init__(self, delay: float = 0.0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if delay and fake.stopping.wait(delay):
                    return
                if self.path != "/v1/chat/completions":
                    self.send_error(404)
                    return
                answer = {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "model": FAKE_MODEL,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": CANNED}}],
                }
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up on a slow answer is expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-llm", daemon=True)

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


@pytest.fixture
def slow_llm() -> Iterator[FakeLLM]:
    with FakeLLM(delay=10) as fake:
        yield fake


def client_for(baton: Baton, **llm: Any) -> TestClient:
    """The app as `baton` wires it, with these LLM settings and an empty rewrite cache
    (the copy of `baton` builds its own)."""
    configured = dataclasses.replace(baton, settings=baton.settings.model_copy(update=llm))
    return TestClient(create_app(configured), raise_server_exceptions=True)


@pytest.fixture
def llm_client(baton: Baton, llm: FakeLLM) -> Iterator[TestClient]:
    settings = {"llm_url": llm.url, "llm_model": "brief-writer", "llm_api_key": SecretStr("sk-local-test")}
    with client_for(baton, **settings) as client:
        yield client


def escalated_ticket(client: TestClient, auth: Callable[[str], dict[str, str]]) -> int:
    ticket = open_ticket(
        client,
        auth,
        subject="API returns 429 far below our limit",
        body="Our integration gets HTTP 429 Too Many Requests at 40 requests a minute. Orders pile up.",
        category="api",
        severity="high",
    )
    response = client.post(
        f"/api/v1/tickets/{ticket['id']}/escalations",
        json={"kind": "handoff", "target_role": "api-engineer-oncall", "reason": "rate limiter", "note": HANDOFF_NOTE},
        headers=auth("amara"),
    )
    assert response.status_code == 201, response.text
    return int(ticket["id"])


def sign_in(client: TestClient, auth: Callable[[str], dict[str, str]], agent: str = "amara") -> None:
    signing_in.sign_in(client, auth(agent)["Authorization"].removeprefix("Bearer "))


def test_the_llm_rewrites_the_brief_once_and_again_only_when_the_brief_changes(llm_client, llm, auth):
    h = auth("amara")
    tid = escalated_ticket(llm_client, auth)
    brief = llm_client.get(f"/api/v1/tickets/{tid}/brief", headers=h).json()

    response = llm_client.get(f"/api/v1/tickets/{tid}/brief/rewrite", headers=h)

    assert response.status_code == 200, response.text
    assert response.json() == {"configured": True, "text": CANNED, "model": FAKE_MODEL, "problem": None}
    [sent] = llm.requests
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == "Bearer sk-local-test"
    assert sent["body"]["model"] == "brief-writer" and sent["body"]["temperature"] == 0
    system, user = sent["body"]["messages"]
    assert system["role"] == "system" and "specialist" in system["content"]
    assert user["role"] == "user"
    assert f"Problem: {brief['problem']}" in user["content"]
    assert "- HTTP 429 Too Many Requests" in user["content"]
    assert all(f"- {line}" in user["content"] for line in brief["sla"])

    again = llm_client.get(f"/api/v1/tickets/{tid}/brief/rewrite", headers=h)
    assert again.json()["text"] == CANNED
    assert len(llm.requests) == 1, "a refresh with the brief unchanged is answered from the cache"

    note = {"body": "Logs show code RL-4021 on every call.", "visibility": "internal"}
    assert llm_client.post(f"/api/v1/tickets/{tid}/messages", json=note, headers=h).status_code == 201
    changed = llm_client.get(f"/api/v1/tickets/{tid}/brief/rewrite", headers=h)
    assert changed.json()["text"] == CANNED
    assert len(llm.requests) == 2, "an event that changes the brief asks the LLM again"
    assert "Logs show code RL-4021 on every call." in llm.requests[1]["body"]["messages"][1]["content"]


def test_the_ticket_page_never_calls_the_llm_and_fetches_the_rewrite_fragment_afterwards(llm_client, llm, auth):
    tid = escalated_ticket(llm_client, auth)
    sign_in(llm_client, auth)

    page = llm_client.get(f"/tickets/{tid}")

    assert page.status_code == 200
    assert f'data-src="/tickets/{tid}/brief/rewrite"' in page.text
    assert llm.requests == [], "the page is rendered without waiting for the LLM"

    fragment = llm_client.get(f"/tickets/{tid}/brief/rewrite")
    assert fragment.status_code == 200
    assert f"Rewritten by <strong>{FAKE_MODEL}</strong>" in fragment.text
    assert "&lt;b&gt;not&lt;/b&gt; markup." in fragment.text and "<b>" not in fragment.text
    assert len(llm.requests) == 1


def test_an_llm_that_never_answers_in_time_gives_a_problem_and_the_brief_still_answers(baton, slow_llm, auth):
    settings = {"llm_url": slow_llm.url, "llm_model": "brief-writer", "llm_timeout_seconds": SLOW_TIMEOUT}
    with client_for(baton, **settings) as client:
        h = auth("amara")
        tid = escalated_ticket(client, auth)

        started = time.monotonic()
        response = client.get(f"/api/v1/tickets/{tid}/brief/rewrite", headers=h)
        took = time.monotonic() - started

        assert response.status_code == 200, response.text
        assert response.json() == {
            "configured": True,
            "text": None,
            "model": None,
            "problem": f"the LLM at {slow_llm.url} did not answer within 0.5 s; {AS_BUILT}",
        }
        assert SLOW_TIMEOUT <= took < 5
        assert len(slow_llm.requests) == 1

        brief = client.get(f"/api/v1/tickets/{tid}/brief", headers=h)
        assert brief.status_code == 200 and brief.json()["problem"] == HANDOFF_NOTE["summary"]

        sign_in(client, auth)
        fragment = client.get(f"/tickets/{tid}/brief/rewrite")
        assert fragment.status_code == 200
        assert "did not answer within 0.5 s" in fragment.text and "Rewritten by" not in fragment.text


def test_an_llm_that_refuses_connections_gives_a_problem(baton, auth):
    with FakeLLM() as gone:
        url = gone.url  # a port that was just served and is now closed
    with client_for(baton, llm_url=url, llm_model="brief-writer") as client:
        tid = escalated_ticket(client, auth)
        response = client.get(f"/api/v1/tickets/{tid}/brief/rewrite", headers=auth("amara"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["configured"] is True and body["text"] is None and body["model"] is None
    assert body["problem"].startswith(f"could not connect to the LLM at {url}")


def test_without_an_llm_the_rewrite_says_so_and_the_page_asks_for_nothing(client, auth):
    tid = escalated_ticket(client, auth)

    response = client.get(f"/api/v1/tickets/{tid}/brief/rewrite", headers=auth("amara"))

    assert response.status_code == 200
    assert response.json() == {
        "configured": False,
        "text": None,
        "model": None,
        "problem": f"no LLM is configured (BATON_LLM_URL is empty); {AS_BUILT}",
    }
    sign_in(client, auth)
    page = client.get(f"/tickets/{tid}")
    assert page.status_code == 200
    assert "brief-rewrite" not in page.text and not re.search(r"/brief/rewrite", page.text)
    assert client.get(f"/tickets/{tid}/brief/rewrite").text == ""


def test_the_rewrite_of_an_unknown_ticket_is_404_and_needs_a_token(llm_client, llm, auth):
    is_problem(llm_client.get("/api/v1/tickets/4242/brief/rewrite", headers=auth("amara")), 404)
    is_problem(llm_client.get("/api/v1/tickets/4242/brief/rewrite"), 401)
    assert llm_client.get("/tickets/4242/brief/rewrite").status_code == 401
    sign_in(llm_client, auth)
    missing = llm_client.get("/tickets/4242/brief/rewrite")
    assert missing.status_code == 404 and "4242" in missing.text
    assert llm.requests == []
