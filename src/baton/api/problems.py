"""Every error leaves the API as problem details (RFC 9457), mapped here only."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

from baton.api.text import refusal
from baton.core.errors import DomainError
from baton.http.status import status_of

PROBLEM = "application/problem+json"


class Unauthorized(Exception):
    def __init__(self, detail: str) -> None:
        self.detail = detail


def _shown(text: str) -> str:
    """``text`` as UTF-8 can carry it: a lone surrogate (a JSON key may hold one)
    is written as its escape, so naming the field never fails the answer."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": _shown(detail)}
    if errors:
        body["errors"] = [{name: _shown(value) for name, value in e.items()} for e in errors]
    body.update(extra)
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _reason(error: Any) -> str:
    """pydantic's message, in the core's words where the core says the same thing."""
    kind, ctx, given = error.get("type"), error.get("ctx") or {}, error.get("input")
    if kind == "string_too_long" and isinstance(given, str):
        return f"is {len(given)} characters; at most {ctx['max_length']}"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be empty"
    if kind == "string_pattern_mismatch" and isinstance(given, str):
        return refusal(given, str(ctx.get("pattern", ""))) or str(error["msg"])
    return str(error["msg"]).removeprefix("Value error, ")


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    errors = [{"field": e.field, "reason": e.reason} for e in exc.errors]
    return problem(status_of(exc), exc.title, exc.detail, errors)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        where = first.get("ctx", {}).get("error", "")
        return problem(400, "Malformed JSON", f"the request body is not valid JSON: {where}")
    listed = [{"field": _field(tuple(e["loc"])), "reason": _reason(e)} for e in errors]
    summary = "; ".join(f"{e['field']}: {e['reason']}" for e in listed)
    return problem(422, "Invalid request", summary, listed)


def _allowed(request: Request) -> list[str]:
    """Every method some route answers on the request's path. Starlette's own ``Allow``
    names only the first route matching the path, and the API routes one path's methods
    to different functions (``GET`` and ``POST /tickets``)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(route.methods or ())
    return sorted(methods)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    titles = {400: "Malformed request", 404: "Not found", 405: "Method not allowed", 413: "Request body too large"}
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allowed = _allowed(request) or [m.strip() for m in headers.get("Allow", "").split(",") if m.strip()]
        headers["Allow"] = ", ".join(allowed)
        detail = f"{request.method} is not allowed on {request.url.path}; allowed: {headers['Allow']}"
    elif exc.status_code == 404 and exc.detail == "Not Found":
        detail = f"nothing is at {request.url.path}"
    elif exc.status_code == 400 and exc.detail == "There was an error parsing the body":  # FastAPI's, cause inside
        cause = exc.__cause__
        detail = (
            "the request body is nested too deeply to parse"
            if isinstance(cause, RecursionError)
            else f"the request body could not be parsed: {type(cause).__name__ if cause else 'unreadable'}"
        )
    else:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
    return problem(exc.status_code, titles.get(exc.status_code, "HTTP error"), detail, headers=headers or None)


async def _unauthorized(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Unauthorized)
    return problem(401, "Unauthorized", exc.detail)


def install(app: FastAPI) -> None:
    """Map every error to problem details, and document them in the OpenAPI spec."""
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Unauthorized, _unauthorized)
    document(app)


# The OpenAPI spec: each operation documents the problems it can answer with.

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "Problem details (RFC 9457). ``errors`` names each field refused and why.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "Always about:blank: the status says what kind of problem."},
        "title": {"type": "string", "description": "The kind of problem, in words."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "This occurrence, in words."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}

_WHY = {
    "400": "Malformed request: the body is not valid JSON.",
    "401": "No API token, or an unknown, revoked or expired one.",
    "403": "The caller may not do this (the authorisation policy).",
    "404": "Not found: no such resource.",
    "409": "Conflict: the resource moved on (expected_version), or the change does not apply in its state.",
    "413": "The request body is larger than the server accepts.",
    "422": "Invalid request: each refused field is named under errors.",
    "429": "Too many failed authentication attempts from the caller's address.",
}
_HEADERS = {
    "401": {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    "429": {"Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}},
}
_WRITES = {"post", "put", "patch", "delete"}


def _authenticated(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route that needs a bearer token: those depending,
    directly or not, on the caller's token."""
    from baton.api.deps import current_agent  # deps imports this module

    def needs(dependant: Any) -> bool:
        return any(d.call is current_agent or needs(d) for d in dependant.dependencies)

    return {
        (method.lower(), route.path_format or "")
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute) and needs(route.dependant)
        for method in route.methods or ()
    }


def _body_fields(operation: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    content = operation.get("requestBody", {}).get("content", {})
    found: set[str] = set()
    for media in content.values():
        schema = media.get("schema", {})
        for option in schema.get("anyOf", [schema]):
            ref = option.get("$ref", "")
            found |= set(schemas.get(ref.rpartition("/")[2], option).get("properties", {}))
    return found


def _statuses(method: str, operation: dict[str, Any], authenticated: bool, schemas: dict[str, Any]) -> set[str]:
    parameters = {p.get("in") for p in operation.get("parameters", [])}
    names = {p.get("name") for p in operation.get("parameters", [])}
    codes = {"422"} if parameters or "requestBody" in operation or method in _WRITES else set()
    if authenticated:
        codes |= {"401", "403", "429"}
    refers = "source" in names or any(f.endswith("_id") for f in _body_fields(operation, schemas))
    if "path" in parameters or refers:  # it names something that may not exist
        codes.add("404")
    if method in _WRITES:
        codes.add("409")
    if "requestBody" in operation:
        codes |= {"400", "413"}
    return codes


def _problem_response(code: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _WHY[code],
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if code in _HEADERS:
        response["headers"] = _HEADERS[code]
    return response


def with_problems(spec: dict[str, Any], authenticated: set[tuple[str, str]]) -> dict[str, Any]:
    """``spec`` with each operation's problem responses documented (FastAPI's own 422,
    a JSON body it never sends, replaced), the Problem schema and the bearer scheme."""
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components.setdefault("securitySchemes", {})["bearer"] = {"type": "http", "scheme": "bearer"}
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "put", "post", "patch", "delete", "head", "options", "trace"}:
                continue
            needs_token = (method, path) in authenticated
            if needs_token:
                operation["security"] = [{"bearer": []}]
            responses = operation.setdefault("responses", {})
            for code in sorted(_statuses(method, operation, needs_token, schemas)):
                responses[code] = _problem_response(code)
    return spec


def document(app: FastAPI) -> None:
    """Have ``app.openapi()`` document the problems (computed once, on first use, when
    every route is in)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_problems(build(), _authenticated(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
