"""A fixed, named list of malformed requests, on SQLite and PostgreSQL: each must be
handled well: a 4xx problem+json whose detail or field errors name the problem, and
nothing written (every table's row count unchanged; failed tokens are counted in
``auth_failures``, which is what that table is for)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from baton.api.main import create_app
from baton.app import Baton
from baton.store.tables import metadata

from .test_api_tickets import HANDOFF_NOTE, open_ticket

Auth = Callable[[str], dict[str, str]]

T = "/api/v1/tickets"
BIG = 2**63
MB = 1024 * 1024


@dataclass(frozen=True)
class Bad:
    name: str
    method: str
    path: str
    status: int | tuple[int, ...]
    names: str
    """Said in the detail or the field errors (case-insensitive): the problem, named."""
    json: Any = None
    content: bytes | str | Iterator[bytes] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    auth: bool = True


def _raw(body: str) -> dict[str, Any]:
    return {"content": body.encode("utf-8", "surrogatepass"), "headers": {"content-type": "application/json"}}


def _nested(depth: int, opener: str = '{"a":', closer: str = "}") -> str:
    return opener * depth + "1" + closer * depth


TICKET = {
    "subject": "Exports fail",
    "body": "Every export fails",
    "severity": "high",
    "category": "data-export",
    "customer": {"name": "Acme", "tier": "business"},
}


def _ticket(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in (TICKET | changes).items() if v is not None}


def _escalation(**changes: Any) -> dict[str, Any]:
    body = {"kind": "handoff", "target_role": "billing-specialist", "reason": "refund", "note": HANDOFF_NOTE}
    return {k: v for k, v in (body | changes).items() if v is not None}


def _chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536


def cases(ticket: int) -> list[Bad]:
    t = f"{T}/{ticket}"
    # fmt: off
    return [
        # bad JSON
        Bad("truncated object", "POST", T, 400, "not valid json", **_raw('{"subject": "x"')),
        Bad("trailing comma", "POST", T, 400, "not valid json", **_raw('{"subject": "x",}')),
        Bad("single quotes", "POST", T, 400, "not valid json", **_raw("{'subject': 'x'}")),
        Bad("a bare word", "POST", T, 400, "not valid json", **_raw("hello")),
        Bad("an empty body", "POST", T, 422, "field required", **_raw("")),
        Bad("JSON null", "POST", T, 422, "valid dictionary", **_raw("null")),
        Bad("a JSON array", "POST", T, 422, "valid dictionary", **_raw("[]")),
        Bad("a JSON string", "POST", f"{t}/status", 422, "valid dictionary", **_raw('"open"')),
        Bad("a raw newline inside a string", "POST", T, 400, "not valid json", **_raw('{"subject": "a\nb"}')),
        Bad("NaN for the subject", "POST", T, 422, "subject", **_raw('{"subject": NaN, "body": "b"}')),
        Bad("invalid UTF-8", "POST", T, (400, 422), "body", content=b'{"subject": "\xff\xfe"}'),
        # wrong types
        Bad("subject a number", "POST", T, 422, "subject", json=_ticket(subject=42)),
        Bad("body a list", "POST", T, 422, "body", json=_ticket(body=["a"])),
        Bad("severity a number", "POST", T, 422, "severity", json=_ticket(severity=3)),
        Bad("customer_id text", "POST", T, 422, "customer_id", json=_ticket(customer_id="abc")),
        Bad("customer_id a fraction", "POST", T, 422, "customer_id", json=_ticket(customer_id=1.5)),
        Bad("page_context a list", "POST", T, 422, "page_context", json=_ticket(page_context=["a"])),
        Bad("page_context a nested object", "POST", T, 422, "page_context", json=_ticket(page_context={"a": {}})),
        Bad("note a string", "POST", f"{t}/escalations", 422, "note", json=_escalation(note="all of it")),
        Bad("note value a number", "POST", f"{t}/escalations", 422, "note", json=_escalation(note={"summary": 1})),
        Bad("bounce missing a string", "POST", f"{t}/escalations/1/bounce", 422, "missing", json={"missing": "x"}),
        Bad("expected_version text", "POST", f"{t}/status", 422, "expected_version",
            json={"status": "open", "expected_version": "one"}),
        Bad("an unknown field", "POST", T, 422, "extra", json=_ticket(priority="p1")),
        # missing fields
        Bad("a ticket without a subject", "POST", T, 422, "subject", json=_ticket(subject=None)),
        Bad("a ticket without a body", "POST", T, 422, "body", json=_ticket(body=None)),
        Bad("a customer without a name", "POST", "/api/v1/customers", 422, "name", json={"tier": "business"}),
        Bad("a message without a body", "POST", f"{t}/messages", 422, "body", json={"visibility": "public"}),
        Bad("a status change without a status", "POST", f"{t}/status", 422, "status", json={"reason": "x"}),
        Bad("an escalation without a kind", "POST", f"{t}/escalations", 422, "kind", json=_escalation(kind=None)),
        Bad("an escalation without a target", "POST", f"{t}/escalations", 422, "target_role",
            json=_escalation(target_role=None)),
        Bad("a bounce without what is missing", "POST", f"{t}/escalations/1/bounce", 422, "missing", json={}),
        Bad("a reopen without a reason", "POST", f"{t}/reopen", 422, "reason", json={}),
        Bad("a resolution without text", "POST", f"{t}/resolve", 422, "resolution", json={}),
        Bad("an assignment without a role", "POST", f"{t}/assignment", 422, "role", json={"agent": "amara"}),
        Bad("an article edit without its version", "PATCH", "/api/v1/knowledge/1", 422, "expected_version",
            json={"title": "x"}),
        # huge fields
        Bad("a 251-character subject", "POST", T, 422, "subject", json=_ticket(subject="s" * 251)),
        Bad("a 100,001-character body", "POST", T, 422, "body", json=_ticket(body="b" * 100_001)),
        Bad("a 900,000-character status reason", "POST", f"{t}/status", 422, "reason",
            json={"status": "open", "reason": "r" * 900_000}),
        Bad("a 201-character customer name", "POST", "/api/v1/customers", 422, "name",
            json={"name": "n" * 201, "tier": "business"}),
        Bad("a 65-character tier", "POST", "/api/v1/customers", 422, "tier", json={"name": "n", "tier": "t" * 65}),
        Bad("a 10,001-character note field", "POST", f"{t}/escalations", 422, "note",
            json=_escalation(note=HANDOFF_NOTE | {"summary": "s" * 10_001})),
        Bad("51 page-context entries", "POST", T, 422, "page_context",
            json=_ticket(page_context={f"k{i}": "v" for i in range(51)})),
        Bad("a 2,001-character page-context value", "POST", T, 422, "page_context",
            json=_ticket(page_context={"url": "u" * 2001})),
        Bad("51 missing items in a bounce", "POST", f"{t}/escalations/1/bounce", 422, "missing",
            json={"missing": ["x"] * 51}),
        Bad("a 251-character article title", "PATCH", "/api/v1/knowledge/1", 422, "title",
            json={"title": "t" * 251, "expected_version": 1}),
        Bad("a 201-character role filter", "GET", f"{T}?role={'r' * 201}", 422, "role"),
        # NUL bytes and other control characters
        Bad("NUL in the subject", "POST", T, 422, "subject", json=_ticket(subject="a\x00b")),
        Bad("NUL in the body", "POST", T, 422, "body", json=_ticket(body="a\x00b")),
        Bad("NUL in a message", "POST", f"{t}/messages", 422, "body", json={"body": "hi\x00"}),
        Bad("NUL in a status reason", "POST", f"{t}/status", 422, "reason", json={"status": "open", "reason": "\x00"}),
        Bad("NUL in a customer name", "POST", "/api/v1/customers", 422, "name",
            json={"name": "Acme\x00", "tier": "business"}),
        Bad("NUL in a note field", "POST", f"{t}/escalations", 422, "note",
            json=_escalation(note=HANDOFF_NOTE | {"summary": "x\x00"})),
        Bad("NUL in a note key", "POST", f"{t}/escalations", 422, "note",
            json=_escalation(note=HANDOFF_NOTE | {"sum\x00mary": "x"})),
        Bad("NUL in a page-context key", "POST", T, 422, "page_context", json=_ticket(page_context={"u\x00": "v"})),
        Bad("NUL in a page-context value", "POST", T, 422, "page_context", json=_ticket(page_context={"url": "\x00"})),
        Bad("NUL in the status filter", "GET", f"{T}?status=open%00", 422, "status"),
        Bad("NUL in the role filter", "GET", f"{T}?role=frontline%00", 422, "role"),
        Bad("NUL in the agent filter", "GET", f"{T}?agent=%00", 422, "agent"),
        Bad("NUL in a role name", "GET", "/api/v1/roles/front%00line", 422, "name"),
        Bad("NUL in an agent name", "GET", "/api/v1/agents/amara%00", 422, "name"),
        Bad("NUL in the metrics source", "GET", "/api/v1/metrics?source=baton%00", 422, "source"),
        Bad("NUL in the report week", "GET", "/api/v1/reports/weekly?week=2026-W46%00", 422, "week"),
        Bad("NUL in a backtest playbook", "POST", "/api/v1/playbook/backtest", 422, "playbook",
            json={"playbook": "version: x\x00"}),
        Bad("NUL in an article's problem", "PATCH", "/api/v1/knowledge/1", 422, "problem",
            json={"problem": "\x00", "expected_version": 1}),
        Bad("a newline in the subject", "POST", T, 422, "subject", json=_ticket(subject="line\nbreak")),
        Bad("a tab in a reason", "POST", f"{t}/status", 422, "reason", json={"status": "open", "reason": "a\tb"}),
        Bad("ESC in the body", "POST", T, 422, "body", json=_ticket(body="\x1b[31mred")),
        Bad("DEL in a message", "POST", f"{t}/messages", 422, "body", json={"body": "a\x7fb"}),
        Bad("C1 NEL in the body", "POST", T, 422, "body", json=_ticket(body="a\x85b")),
        Bad("C1 CSI in a customer name", "POST", "/api/v1/customers", 422, "name",
            json={"name": "A\x9b", "tier": "business"}),
        # unicode surrogates
        Bad("a lone high surrogate in the subject", "POST", T, 422, "subject",
            **_raw('{"subject": "\\ud800", "body": "b"}')),
        Bad("a lone low surrogate in the body", "POST", T, 422, "body", **_raw('{"subject": "s", "body": "\\udc00"}')),
        Bad("a lone surrogate in a reason", "POST", f"{t}/status", 422, "reason",
            **_raw('{"status": "open", "reason": "\\udfff"}')),
        Bad("a lone surrogate in a note key", "POST", f"{t}/escalations", 422, "note",
            **_raw(json.dumps(_escalation()).replace('"summary"', '"\\ud83d"', 1))),
        # out-of-range, negative and non-numeric ids
        Bad("ticket id 2^63", "GET", f"{T}/{BIG}", 422, "ticket_id"),
        Bad("ticket id 2^64", "GET", f"{T}/{2**64}", 422, "ticket_id"),
        Bad("ticket id 10^30", "POST", f"{T}/{10**30}/status", 422, "ticket_id", json={"status": "open"}),
        Bad("ticket id 2^31", "GET", f"{T}/{2**31}", 404, "ticket"),
        Bad("ticket id 2^63 - 1", "GET", f"{T}/{BIG - 1}/events", 404, "ticket"),
        Bad("ticket id 0", "GET", f"{T}/0", 422, "ticket_id"),
        Bad("ticket id -1", "GET", f"{T}/-1", 422, "ticket_id"),
        Bad("ticket id text", "GET", f"{T}/abc", 422, "ticket_id"),
        Bad("ticket id a fraction", "GET", f"{T}/1.5", 422, "ticket_id"),
        Bad("ticket id in exponent form", "GET", f"{T}/1e3", 422, "ticket_id"),
        Bad("customer id 2^63", "GET", f"/api/v1/customers/{BIG}", 422, "customer_id"),
        Bad("customer id -5", "PATCH", "/api/v1/customers/-5", 422, "customer_id", json={"tier": "business"}),
        Bad("escalation number 2^63", "GET", f"{t}/escalations/{BIG}", 422, "number"),
        Bad("escalation number 0", "POST", f"{t}/escalations/0/bounce", 422, "number", json={"missing": ["x"]}),
        Bad("draft number 2^63", "POST", f"{t}/drafts/{BIG}/send", 422, "draft", json={}),
        Bad("article id 2^63", "GET", f"/api/v1/knowledge/{BIG}", 422, "article_id"),
        Bad("article id -1", "POST", "/api/v1/knowledge/-1/publish", 422, "article_id"),
        Bad("notification id 2^63", "POST", f"/api/v1/me/notifications/{BIG}/read", 422, "notification_id"),
        Bad("notification id -1", "POST", "/api/v1/me/notifications/-1/read", 422, "notification_id"),
        Bad("customer_id 2^63 in a body", "POST", T, 422, "customer_id", json=_ticket(customer_id=BIG)),
        Bad("customer_id -1 in a body", "POST", T, 422, "customer_id", json=_ticket(customer_id=-1)),
        Bad("expected_version 2^63", "POST", f"{t}/status", 422, "expected_version",
            json={"status": "open", "expected_version": BIG}),
        Bad("expected_version -1", "POST", f"{t}/close", 422, "expected_version", json={"expected_version": -1}),
        Bad("offset 2^63", "GET", f"{T}?offset={BIG}", 422, "offset"),
        Bad("offset -1", "GET", "/api/v1/customers?offset=-1", 422, "offset"),
        Bad("limit 0", "GET", f"{T}?limit=0", 422, "limit"),
        Bad("limit a million", "GET", f"/api/v1/knowledge?limit={10**6}", 422, "limit"),
        Bad("before 2^63", "GET", f"/api/v1/me/notifications?before={BIG}", 422, "before"),
        Bad("since_days 0", "GET", "/api/v1/rules/health?since_days=0", 422, "since_days"),
        # unknown enum values
        Bad("an unknown severity", "POST", T, 422, "severity", json=_ticket(severity="catastrophic")),
        Bad("an unknown category", "POST", T, 422, "category", json=_ticket(category="astrology")),
        Bad("an unknown channel", "POST", T, 422, "channel", json=_ticket(channel="pigeon")),
        Bad("an unknown status", "POST", f"{t}/status", 422, "status", json={"status": "exploded"}),
        Bad("an unknown escalation kind", "POST", f"{t}/escalations", 422, "kind", json=_escalation(kind="teleport")),
        Bad("an unknown target role", "POST", f"{t}/escalations", 422, "role",
            json=_escalation(target_role="wizards")),
        Bad("an unknown participant kind", "POST", f"{t}/participants", 422, "kind",
            json={"kind": "observer", "role": "frontline"}),
        Bad("an unknown visibility", "POST", f"{t}/messages", 422, "visibility", json={"body": "x", "visibility": "x"}),
        Bad("an unknown notification state", "POST", "/api/v1/me/notifications/1/eaten", 422, "state"),
        Bad("an unknown article status filter", "GET", "/api/v1/knowledge?status=lost", 422, "status"),
        Bad("an unknown metrics dimension", "GET", "/api/v1/metrics?by=zodiac", 422, "by"),
        Bad("an unknown metric", "GET", "/api/v1/metrics?metric=happiness", 422, "metric"),
        Bad("an unknown calendar", "GET", "/api/v1/metrics?calendar=mars", 422, "calendar"),
        Bad("a week that does not exist", "GET", "/api/v1/reports/weekly?week=2026-W99", 422, "week"),
        Bad("a start that is no date", "GET", "/api/v1/metrics?start=yesterday", 422, "start"),
        Bad("a boolean that is not one", "GET", "/api/v1/me/notifications?unread=maybe", 422, "unread"),
        # wrong content types
        Bad("JSON sent as text/plain", "POST", T, (415, 422), "body",
            content=json.dumps(TICKET), headers={"content-type": "text/plain"}),
        Bad("a form instead of JSON", "POST", T, (415, 422), "body",
            content="subject=x&body=y", headers={"content-type": "application/x-www-form-urlencoded"}),
        Bad("XML instead of JSON", "POST", f"{t}/status", (415, 422), "body",
            content="<status>open</status>", headers={"content-type": "application/xml"}),
        Bad("no content type", "POST", f"{t}/messages", (415, 422), "body", content=json.dumps({"body": "hi"})),
        # oversized bodies
        Bad("a 2 MB body", "POST", T, 413, "bytes", json=_ticket(body="b" * 2 * MB)),
        Bad("a 2 MB chunked body", "POST", T, 413, "bytes", content=_chunks(2 * MB),
            headers={"content-type": "application/json"}),
        # deeply nested JSON
        Bad("objects nested 100,000 deep", "POST", T, 400, "nested too deeply", **_raw(_nested(100_000))),
        Bad("arrays nested 100,000 deep", "POST", f"{t}/status", 400, "nested too deeply",
            **_raw(_nested(100_000, "[", "]"))),
        Bad("a page context nested 50 deep", "POST", T, 422, "page_context",
            json=_ticket(page_context={"a": json.loads(_nested(50))})),
        # other
        Bad("a method not allowed", "DELETE", t, 405, "delete"),
        Bad("an unknown path", "GET", "/api/v1/escalations", 404, "/api/v1/escalations"),
        # bad auth headers (last: the unknown tokens count against this address)
        Bad("no Authorization header", "GET", T, 401, "token", auth=False),
        Bad("Basic credentials", "GET", T, 401, "bearer", auth=False, headers={"authorization": "Basic YTpi"}),
        Bad("Bearer without a token", "GET", T, 401, "bearer", auth=False, headers={"authorization": "Bearer"}),
        Bad("Bearer and blanks", "GET", T, 401, "bearer", auth=False, headers={"authorization": "Bearer    "}),
        Bad("an unknown token", "POST", T, 401, "token", json=TICKET, auth=False,
            headers={"authorization": "Bearer bt_not-a-token"}),
        Bad("a 10,000-character token", "GET", T, 401, "token", auth=False,
            headers={"authorization": "Bearer " + "x" * 10_000}),
        Bad("a token with spaces in it", "GET", T, 401, "token", auth=False,
            headers={"authorization": "Bearer two words"}),
    ]
    # fmt: on


def _counts(baton: Baton) -> tuple[int, ...]:
    names = [t.name for t in metadata.sorted_tables if t.name != "auth_failures"]
    query = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{name}")' for name in names)
    with baton.engine.connect() as conn:
        row = conn.execute(text(query)).one()
    return tuple(row)


def _seed(client: TestClient, auth: Auth) -> int:
    ticket = open_ticket(client, auth)
    escalated = client.post(
        f"{T}/{ticket['id']}/escalations",
        json={"kind": "handoff", "target_role": "billing-specialist", "reason": "refund", "note": HANDOFF_NOTE},
        headers=auth("amara"),
    )
    assert escalated.status_code == 201, escalated.text
    return int(ticket["id"])


def _judge(bad: Bad, response: Any) -> str | None:
    """None when handled well, else what was wrong."""
    wanted = bad.status if isinstance(bad.status, tuple) else (bad.status,)
    if response.status_code not in wanted:
        return f"status {response.status_code}, not {wanted}: {response.text[:300]}"
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return f"content type {response.headers.get('content-type')!r}"
    body = response.json()
    if body.get("status") != response.status_code or not body.get("title") or not body.get("detail"):
        return f"not a problem: {body}"
    said = (body["detail"] + " " + json.dumps(body.get("errors", []))).lower()
    if bad.names.lower() not in said:
        return f"does not name {bad.names!r}: {said[:300]}"
    if response.status_code == 405 and not response.headers.get("allow"):
        return "405 without an Allow header"
    return None


def test_every_malformed_request_is_refused_with_a_problem_and_writes_nothing(
    baton: Baton, auth: Auth, database_url: str
) -> None:
    with TestClient(create_app(baton), raise_server_exceptions=False) as client:
        ticket = _seed(client, auth)
        headers = auth("priya")  # an admin: what is refused is the request, not the caller
        tried = cases(ticket)
        assert len(tried) >= 90 and len({b.name for b in tried}) == len(tried)
        wrong: dict[str, str] = {}
        for bad in tried:
            before = _counts(baton)
            sent = {**(headers if bad.auth else {}), **bad.headers}
            kwargs: dict[str, Any] = {"headers": sent}
            if bad.json is not None:
                kwargs["json"] = bad.json
            if bad.content is not None:
                kwargs["content"] = bad.content
            response = client.request(bad.method, bad.path, **kwargs)
            verdict = _judge(bad, response)
            if verdict is None and _counts(baton) != before:
                verdict = "something was written"
            if verdict is not None:
                wrong[bad.name] = verdict
    store = make_url(database_url).get_backend_name()
    print(f"{store}: {len(tried) - len(wrong)} of {len(tried)} malformed requests handled well")
    assert not wrong, "\n".join(f"{name}: {why}" for name, why in wrong.items())
