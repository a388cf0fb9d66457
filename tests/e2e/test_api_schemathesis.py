"""Schemathesis over the whole API, on SQLite and PostgreSQL: every operation of the
OpenAPI spec gets generated requests, valid and invalid, sent in-process (ASGI) with
an admin's token, and every answer must be no server error, of a documented status and
content type, with the documented headers, and match its documented schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from baton.api.main import create_app
from baton.app import Baton

from .test_api_tickets import HANDOFF_NOTE, open_ticket

Auth = Callable[[str], dict[str, str]]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}
"""Cases per operation and mode: about 880 a database, both databases within about 70 s."""
ADMIN = "priya"


@dataclass
class Run:
    cases: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    """(operation, what failed) -> the first case that showed it."""


def _seed(client: TestClient, auth: Auth) -> None:
    """Something for the ids to find: tickets, one escalated and one with a message."""
    first = open_ticket(client, auth)
    open_ticket(client, auth, subject="Exports time out", category="data-export")
    escalated = client.post(
        f"/api/v1/tickets/{first['id']}/escalations",
        json={"kind": "handoff", "target_role": "billing-specialist", "reason": "refund", "note": HANDOFF_NOTE},
        headers=auth("amara"),
    )
    assert escalated.status_code == 201, escalated.text


def _describe(case: schemathesis.Case, exc: BaseException) -> str:
    what = "; ".join(str(e).strip().splitlines()[0] for e in getattr(exc, "exceptions", [exc]))
    return f"{what}\n    {case.as_curl_command()[:600]}"


def _failed(exc: BaseException) -> list[str]:
    return [type(e).__name__ for e in getattr(exc, "exceptions", [exc])]


_STRATEGIES: dict[str, list[tuple[str, GenerationMode, Any]]] = {}
"""Per spec (its JSON text), each operation's case strategies: built once, the
database's run and the next one draw the same cases without building them again (the
schema's patterns make building the slow part)."""


def _strategies(app: Any) -> list[tuple[str, GenerationMode, Any]]:
    key = json.dumps(app.openapi(), sort_keys=True)
    if key not in _STRATEGIES:
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
        _STRATEGIES[key] = [
            (operation.label, mode, operation.as_strategy(generation_mode=mode))
            for operation in (result.ok() for result in schema.get_all_operations())
            for mode in EXAMPLES
        ]
    return _STRATEGIES[key]


def _exercise(app: Any, label: str, mode: GenerationMode, strategy: Any, headers: dict[str, str], run: Run) -> None:
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def cases(case: schemathesis.Case) -> None:
        run.cases += 1
        try:
            response = case.call_and_validate(headers=headers, checks=CHECKS, app=app)
        except (Exception, BaseExceptionGroup) as exc:  # checks failed, or the app raised: record, go on
            for kind in _failed(exc):
                run.failures.setdefault((label, kind), _describe(case, exc))
            return
        run.by_status[response.status_code] = run.by_status.get(response.status_code, 0) + 1

    cases()


def test_every_operation_answers_as_its_spec_says(baton: Baton, auth: Auth, request: pytest.FixtureRequest) -> None:
    app = create_app(baton)
    with TestClient(app) as client:
        _seed(client, auth)
    headers = auth(ADMIN)
    run = Run()
    strategies = _strategies(app)
    for label, mode, strategy in strategies:
        _exercise(app, label, mode, strategy, headers, run)
    operations = {label for label, _, _ in strategies}
    summary = (
        f"{request.node.callspec.id}: {len(operations)} operations, {run.cases} cases, "
        f"statuses {dict(sorted(run.by_status.items()))}, {len(run.failures)} failures"
    )
    print(summary)
    report = "\n".join(f"{label} [{kind}]: {first}" for (label, kind), first in sorted(run.failures.items()))
    assert not run.failures, f"{summary}\n{report}"
    assert len(operations) >= 40 and run.cases >= 40 * sum(EXAMPLES.values()) // 2
