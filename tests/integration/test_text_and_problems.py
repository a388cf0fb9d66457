"""Text limits and control characters refused at every door (API, core, the knowledge
service behind the web form), and the problems the API can answer with documented in
its OpenAPI spec, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from baton.api.text import control_at
from baton.core.checks import BODY_MAX, check_text
from baton.core.errors import FieldError, InvalidCommand
from baton.services import knowledge
from tests.integration.test_knowledge import drafted_rate_limit_ticket
from tests.signing_in import form_token, origin, sign_in

Auth = Callable[[str], dict[str, str]]


@pytest.mark.parametrize(
    ("text", "multiline", "at"),
    [
        ("plain words, accents é and emoji 🙂", False, None),
        ("zero\u200dwidth joiner and U+2028\u2028", False, None),
        ("a\tb", True, None),
        ("line\r\nbreak", True, None),
        ("a\tb", False, 1),
        ("line\nbreak", False, 4),
        ("nul\x00", True, 3),
        ("esc\x1b[0m", True, 3),
        ("del\x7f", True, 3),
        ("nel\x85", True, 3),
        ("csi\x9b", False, 3),
        ("pair 🙂 fine, lone \ud800", True, 18),
    ],
)
def test_control_characters_are_found_where_they_are(text: str, multiline: bool, at: int | None) -> None:
    assert control_at(text, multiline=multiline) == at


def test_the_core_refuses_control_characters_and_keeps_line_breaks() -> None:
    errors: list[FieldError] = []
    check_text("a\nb\tc\r\n", "body", BODY_MAX, errors)
    assert errors == []
    check_text("stop\x00", "reason", 2_000, errors)
    assert errors == [FieldError("reason", "contains the control character U+0000 at position 4")]


def test_a_nul_in_an_article_edit_is_refused_by_the_service_naming_the_field(baton, client, auth, clock):
    drafted_rate_limit_ticket(client, auth, clock, cause=True)
    article = knowledge.list_articles(baton.engine, knowledge.DRAFT)[0]
    for changes, named in [
        ({"title": "Rate \x00limit"}, "title"),
        ({"title": "two\nlines"}, "title"),
        ({"problem": "bad\x00"}, "problem"),
        ({"cause": "\x1b[2J"}, "cause"),
        ({"steps": ["fine", "bad\x00"]}, "steps.1"),
    ]:
        with pytest.raises(InvalidCommand) as refused:
            knowledge.edit_article(
                baton.engine, baton.playbook, "priya", article.id, changes, article.version, clock.now()
            )
        assert named in [e.field for e in refused.value.errors], refused.value
    assert knowledge.get_article(baton.engine, article.id).version == article.version


def test_a_nul_posted_in_the_knowledge_form_is_answered_without_a_server_error(baton, client, auth, clock):
    drafted_rate_limit_ticket(client, auth, clock, cause=True)
    article = knowledge.list_articles(baton.engine, knowledge.DRAFT)[0]
    web = TestClient(client.app, raise_server_exceptions=False)
    sign_in(web, auth("priya")["Authorization"].removeprefix("Bearer "))
    page = web.get(f"/knowledge/{article.id}")
    assert page.status_code == 200, page.text
    form = {"csrf_token": form_token(page.text), "title": "Rate limit", "problem": "bad\x00", "expected_version": "1"}
    answer = web.post(f"/knowledge/{article.id}", data=form, headers=origin(web), follow_redirects=False)
    assert answer.status_code < 500, answer.text
    assert knowledge.get_article(baton.engine, article.id).problem != "bad\x00"


def _spec(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def test_every_authenticated_operation_documents_its_problems_as_problem_json(client):
    spec = _spec(client)
    assert "Problem" in spec["components"]["schemas"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    operations = [(path, op) for path, ops in spec["paths"].items() for op in ops.values()]
    assert len(operations) >= 40
    for path, op in operations:
        responses = op["responses"]
        for code in ("401", "403", "429"):
            assert code in responses, (path, code)
        for code, response in responses.items():
            if code >= "400":
                assert list(response["content"]) == ["application/problem+json"], (path, code)
        assert "WWW-Authenticate" in responses["401"]["headers"]
        if "{" in path:
            assert "404" in responses, path
        if "requestBody" in op:
            assert {"400", "409", "413", "422"} <= set(responses), path


def test_every_text_field_of_a_request_has_a_length_limit_in_the_spec(client):
    spec = _spec(client)
    schemas = spec["components"]["schemas"]

    def strings(schema: dict[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
        if "$ref" in schema:
            return strings(schemas[schema["$ref"].rpartition("/")[2]], where)
        found = [(where, schema)] if schema.get("type") == "string" and "format" not in schema else []
        for option in schema.get("anyOf", []):
            found += strings(option, where)
        for name, sub in schema.get("properties", {}).items():
            found += strings(sub, f"{where}.{name}")
        for sub in (schema.get("items"), schema.get("additionalProperties")):
            if isinstance(sub, dict):
                found += strings(sub, f"{where}[]")
        for sub in schema.get("patternProperties", {}).values():
            found += strings(sub, f"{where}{{}}")
        return found

    seen = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for media in op.get("requestBody", {}).get("content", {}).values():
                seen += strings(media["schema"], f"{method} {path} body")
            for parameter in op.get("parameters", []):
                seen += strings(parameter["schema"], f"{method} {path} {parameter['name']}")
    unlimited = [where for where, s in seen if "maxLength" not in s and "enum" not in s and "const" not in s]
    assert len(seen) > 50 and unlimited == []


def test_a_method_not_allowed_names_every_method_the_path_answers(client, auth):
    response = client.delete("/api/v1/tickets", headers=auth("amara"))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_path_is_a_problem(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == "nothing is at /api/v1/no-such-thing"
