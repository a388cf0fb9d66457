"""The optional LLM rewrite of the handoff brief, against a fake transport: what it
sends, what it makes of every kind of answer or failure, and what it remembers."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest
from pydantic import SecretStr

from baton.assist.rewrite import (
    AS_BUILT,
    CACHE_SIZE,
    SYSTEM_PROMPT,
    Rewrite,
    RewriteCache,
    brief_text,
    rewrite_brief,
)
from baton.core.brief import Brief, PastTicket, Step
from baton.settings import Settings

URL = "http://llm.test:8080/v1"
Handler = Callable[[httpx2.Request], httpx2.Response]

BRIEF = Brief(
    problem="API returns 429 far below our limit",
    desired_outcome="Orders flow again at 40 requests a minute",
    steps_tried=(Step(datetime(2026, 11, 16, 9, 20, tzinfo=UTC), "amara", "Checked the key's limit: 600/min."),),
    errors_seen=("HTTP 429 Too Many Requests", "code RL-4021"),
    sentiment="worsening: latest negative (-0.62) against +0.00 before, 2 messages",
    sla=("resolution: running, 6.5 business h left (business-high)",),
    customer="Cedar Lane Foods (business)",
    recent_history=(PastTicket(7, "Invoice address wrong", "resolved", 0),),
    page_context={"screen": "Billing", "url": "https://app.larkspur.example/settings/billing"},
    owner="amara keeps the customer; dmitri (api-engineer-oncall, tier 3) is responsible",
    final=False,
    resolution="",
    notes=("handoff #1 bounced: missing configuration",),
)


def completion(content: Any, model: str = "served-model-7") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    }


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"llm_url": URL, "llm_model": "brief-writer", "llm_timeout_seconds": 10.0} | overrides
    return Settings(**values)


class Recorder:
    """A MockTransport that answers with ``handler`` and keeps every request it saw."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx2.Request] = []
        self.handler = handler

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self) -> httpx2.Client:
        return httpx2.Client(transport=httpx2.MockTransport(self))


def ask(handler: Handler, brief: Brief = BRIEF, **overrides: Any) -> tuple[Rewrite, Recorder]:
    """One rewrite through a fresh, empty cache."""
    recorder = Recorder(handler)
    with recorder.client() as client:
        return rewrite_brief(brief, settings(**overrides), RewriteCache(), client=client), recorder


def test_the_brief_text_holds_every_part_of_the_brief_in_the_order_of_its_fields() -> None:
    brief = dataclasses.replace(BRIEF, final=True, resolution="Restored the key's limit.")
    text = brief_text(brief)
    markers = {
        "problem": "Problem: API returns 429 far below our limit",
        "desired_outcome": "Desired outcome: Orders flow again at 40 requests a minute",
        "steps_tried": "- 2026-11-16 09:20 UTC, amara: Checked the key's limit: 600/min.",
        "errors_seen": "- HTTP 429 Too Many Requests\n- code RL-4021",
        "sentiment": "Customer sentiment: worsening: latest negative (-0.62)",
        "sla": "- resolution: running, 6.5 business h left (business-high)",
        "customer": "Customer: Cedar Lane Foods (business)",
        "recent_history": "- #7 Invoice address wrong (resolved, 0 escalation(s))",
        "page_context": "- screen: Billing\n- url: https://app.larkspur.example/settings/billing",
        "owner": "Owner: amara keeps the customer; dmitri (api-engineer-oncall, tier 3) is responsible",
        "final": "Brief: final, the ticket is resolved",
        "resolution": "Resolution: Restored the key's limit.",
        "notes": "- handoff #1 bounced: missing configuration",
    }
    assert list(markers) == [f.name for f in dataclasses.fields(Brief)], "a new field of the brief needs a line"
    positions = [text.find(marker) for marker in markers.values()]
    assert -1 not in positions, [m for m, p in zip(markers, positions, strict=True) if p == -1]
    assert positions == sorted(positions)


def test_empty_parts_of_the_brief_read_as_none() -> None:
    bare = dataclasses.replace(BRIEF, steps_tried=(), errors_seen=(), sla=(), recent_history=(), page_context={})
    text = brief_text(dataclasses.replace(bare, notes=()))
    for label in ("Steps tried", "Errors seen", "SLA", "Customer's other tickets in the last 90 days", "Notes"):
        assert f"{label}: none" in text
    assert "Page context: none" in text
    assert "Brief: current, the ticket is not resolved" in text
    assert "Resolution: none yet" in text


def test_a_rewrite_posts_the_brief_with_the_instructions_and_returns_the_text_and_model() -> None:
    rewrite, recorder = ask(
        lambda _: httpx2.Response(200, json=completion("  Rewritten: 429s at 40/min, RL-4021.\n")),
        llm_api_key=SecretStr("sk-test-123"),
        llm_timeout_seconds=4.5,
    )

    assert rewrite == Rewrite(text="Rewritten: 429s at 40/min, RL-4021.", model="served-model-7")
    [request] = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == f"{URL}/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-123"
    assert request.extensions["timeout"] == {"connect": 4.5, "read": 4.5, "write": 4.5, "pool": 4.5}
    sent = json.loads(request.content)
    assert sent["model"] == "brief-writer"
    assert sent["temperature"] == 0
    assert sent["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": brief_text(BRIEF)},
    ]
    for promise in ("specialist", "every fact", "error message", "SLA figure", "Never invent"):
        assert promise in SYSTEM_PROMPT


def test_without_a_key_no_authorization_header_is_sent_and_the_configured_model_names_a_nameless_answer() -> None:
    answer = completion("Short brief.") | {"model": None}
    rewrite, recorder = ask(lambda _: httpx2.Response(200, json=answer))

    assert rewrite == Rewrite(text="Short brief.", model="brief-writer")
    assert "authorization" not in recorder.requests[0].headers


@pytest.mark.parametrize("url", [None, "", "   "])
def test_without_an_llm_url_nothing_is_asked(url: str | None) -> None:
    rewrite, recorder = ask(lambda _: httpx2.Response(200, json=completion("never")), llm_url=url)

    assert rewrite.text is None and rewrite.model is None
    assert rewrite.problem == f"no LLM is configured (BATON_LLM_URL is empty); {AS_BUILT}"
    assert recorder.requests == []
    assert settings(llm_url=url).llm_configured is False


def test_without_a_model_name_nothing_is_asked_and_the_problem_names_the_setting() -> None:
    rewrite, recorder = ask(lambda _: httpx2.Response(200, json=completion("never")), llm_model=" ")

    assert rewrite.text is None
    assert rewrite.problem is not None and rewrite.problem.startswith("BATON_LLM_MODEL is empty")
    assert recorder.requests == []


def refuse(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ConnectError("[Errno 111] Connection refused", request=request)


def stall(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ReadTimeout("timed out", request=request)


def broken(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.RemoteProtocolError("Server disconnected without sending a response.", request=request)


def status(code: int, **kwargs: Any) -> Handler:
    return lambda _: httpx2.Response(code, **kwargs)


@pytest.mark.parametrize(
    ("handler", "problem"),
    [
        (refuse, f"could not connect to the LLM at {URL} ([Errno 111] Connection refused); {AS_BUILT}"),
        (stall, f"the LLM at {URL} did not answer within 10 s; {AS_BUILT}"),
        (
            broken,
            f"the request to the LLM at {URL} failed (RemoteProtocolError: Server disconnected without sending a "
            f"response.); {AS_BUILT}",
        ),
        (
            status(401, json={"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}),
            f"the LLM at {URL} answered HTTP 401 Unauthorized: Incorrect API key provided; {AS_BUILT}",
        ),
        (
            status(502, text="<html><body>upstream\n   gone</body></html>"),
            f"the LLM at {URL} answered HTTP 502 Bad Gateway: <html><body>upstream gone</body></html>; {AS_BUILT}",
        ),
        (status(500), f"the LLM at {URL} answered HTTP 500 Internal Server Error; {AS_BUILT}"),
        (
            status(200, text="<html>a login page</html>", headers={"content-type": "text/html"}),
            f"the LLM at {URL} answered HTTP 200 OK with something that is not JSON (text/html); {AS_BUILT}",
        ),
        (status(200, json={"choices": []}), f"the LLM at {URL} answered JSON without a choices[0].message.content"),
        (status(200, json=[completion("in a list")]), "without a choices[0].message.content"),
        (status(200, json={"object": "list", "data": []}), "without a choices[0].message.content"),
        (status(200, json=completion(None)), "without a choices[0].message.content"),
        (status(200, json=completion(["not", "text"])), "without a choices[0].message.content"),
        (status(200, json=completion(" \n ")), f"the LLM at {URL} answered with an empty rewrite; {AS_BUILT}"),
    ],
    ids=[
        "refused",
        "timeout",
        "disconnected",
        "401-openai-error",
        "502-html",
        "500-empty",
        "not-json",
        "no-choices",
        "a-list",
        "wrong-object",
        "null-content",
        "list-content",
        "blank-content",
    ],
)
def test_every_failure_gives_a_problem_in_plain_words_and_never_raises(handler: Handler, problem: str) -> None:
    rewrite, recorder = ask(handler)

    assert rewrite.text is None and rewrite.model is None
    assert rewrite.problem is not None and problem in rewrite.problem
    assert rewrite.problem.endswith(AS_BUILT)
    assert len(recorder.requests) == 1


def test_a_url_without_a_scheme_is_a_problem_not_an_exception() -> None:
    rewrite = rewrite_brief(BRIEF, settings(llm_url="llm.test:8080/v1"), RewriteCache())

    assert rewrite.text is None
    assert rewrite.problem is not None and "failed" in rewrite.problem and rewrite.problem.endswith(AS_BUILT)


def test_a_password_in_the_url_is_never_shown() -> None:
    rewrite, _ = ask(refuse, llm_url="http://svc:hunter2@llm.test:8080/v1")

    assert rewrite.problem is not None
    assert "hunter2" not in rewrite.problem and "svc" not in rewrite.problem
    assert "the LLM at http://llm.test:8080/v1" in rewrite.problem


def test_a_repeated_brief_is_answered_from_the_cache_without_asking_again() -> None:
    recorder = Recorder(lambda _: httpx2.Response(200, json=completion("Once.")))
    cache = RewriteCache()
    with recorder.client() as client:
        first = rewrite_brief(BRIEF, settings(), cache, client=client)
        again = rewrite_brief(dataclasses.replace(BRIEF), settings(), cache, client=client)

    assert first == again == Rewrite(text="Once.", model="served-model-7")
    assert len(recorder.requests) == 1


def test_a_changed_brief_another_model_or_another_llm_asks_again() -> None:
    answers = iter(["First.", "Second.", "Third.", "Fourth."])
    recorder = Recorder(lambda _: httpx2.Response(200, json=completion(next(answers))))
    changed = dataclasses.replace(BRIEF, sla=("resolution: running, 6.4 business h left (business-high)",))
    cache = RewriteCache()
    with recorder.client() as client:
        first = rewrite_brief(BRIEF, settings(), cache, client=client)
        second = rewrite_brief(changed, settings(), cache, client=client)
        third = rewrite_brief(changed, settings(llm_model="other-model"), cache, client=client)
        fourth = rewrite_brief(changed, settings(llm_url="http://other.test/v1"), cache, client=client)

    assert [r.text for r in (first, second, third, fourth)] == ["First.", "Second.", "Third.", "Fourth."]
    assert len(recorder.requests) == 4
    assert str(recorder.requests[-1].url) == "http://other.test/v1/chat/completions"


def test_a_failure_is_not_remembered() -> None:
    answers = iter([httpx2.Response(503), httpx2.Response(200, json=completion("Back."))])
    recorder = Recorder(lambda _: next(answers))
    cache = RewriteCache()
    with recorder.client() as client:
        failed = rewrite_brief(BRIEF, settings(), cache, client=client)
        retried = rewrite_brief(BRIEF, settings(), cache, client=client)

    assert failed.problem is not None and "503" in failed.problem
    assert retried == Rewrite(text="Back.", model="served-model-7")
    assert len(recorder.requests) == 2


def test_the_cache_keeps_only_the_most_recently_used_rewrites() -> None:
    recorder = Recorder(lambda request: httpx2.Response(200, json=completion(f"#{len(recorder.requests)}")))
    briefs = [dataclasses.replace(BRIEF, problem=f"problem {n}") for n in range(CACHE_SIZE + 1)]
    cache = RewriteCache()
    with recorder.client() as client:
        for brief in briefs[:CACHE_SIZE]:
            rewrite_brief(brief, settings(), cache, client=client)
        rewrite_brief(briefs[0], settings(), cache, client=client)  # used again: now the most recent
        rewrite_brief(briefs[CACHE_SIZE], settings(), cache, client=client)  # pushes out briefs[1]
        assert len(recorder.requests) == CACHE_SIZE + 1
        rewrite_brief(briefs[0], settings(), cache, client=client)
        assert len(recorder.requests) == CACHE_SIZE + 1
        rewrite_brief(briefs[1], settings(), cache, client=client)
        assert len(recorder.requests) == CACHE_SIZE + 2
