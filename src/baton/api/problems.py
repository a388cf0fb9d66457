"""Every error leaves the API as problem details (RFC 9457), mapped here only."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from baton.core.errors import DomainError
from baton.http.status import status_of

PROBLEM = "application/problem+json"


class Unauthorized(Exception):
    def __init__(self, detail: str) -> None:
        self.detail = detail


def problem(
    status: int, title: str, detail: str, errors: list[dict[str, str]] | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


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
    listed = [{"field": _field(tuple(e["loc"])), "reason": e["msg"]} for e in errors]
    summary = "; ".join(f"{e['field']}: {e['reason']}" for e in listed)
    return problem(422, "Invalid request", summary, listed)


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
    titles = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}
    return problem(exc.status_code, titles.get(exc.status_code, "HTTP error"), detail)


async def _unauthorized(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Unauthorized)
    return problem(401, "Unauthorized", exc.detail)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Unauthorized, _unauthorized)
