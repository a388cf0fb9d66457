"""What keeps the API and the web pages safe in a browser and behind a proxy: security
headers on every response, the request's own origin (for the forms' Origin check), its
scheme (for the cookie's Secure flag and HSTS), the client address failed attempts are
counted for, and the 403 and 429 answers.

Proxy headers (``X-Forwarded-Proto``, ``-Host``, ``-For``) are believed only when the
``trust_proxy_headers`` setting says so; otherwise what the ASGI server reports is used
(uvicorn itself applies ``X-Forwarded-Proto`` and ``-For`` from ``FORWARDED_ALLOW_IPS``)."""

from __future__ import annotations

import html
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baton.services.sessions import SessionLimits
from baton.services.tokens import AttemptLimit, TooManyAttempts
from baton.settings import Settings

__all__ = [
    "CSP",
    "Refused",
    "SecurityHeaders",
    "attempt_limit",
    "client_address",
    "install",
    "is_https",
    "own_origin",
    "plain_page",
    "same_origin",
    "session_limits",
]

_COMMON = "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
CSP = f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; {_COMMON}"
"""Baton's own pages: no inline script or style; their CSS and JavaScript are under /static."""
REPORTS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
"""/reports: the weekly report's charts are inline SVG styled by attributes, and the report's
stylesheet is inline so that the file ``baton report weekly`` writes stands alone. Scripts
stay as strict as everywhere."""
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    f"connect-src 'self'; {_COMMON}"
)
"""FastAPI's Swagger UI at /api/v1/docs: an inline script and assets from a CDN, as FastAPI serves it."""
HSTS = "max-age=31536000"
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def _policy_for(path: str) -> str:
    if path.startswith("/api/v1/docs"):
        return DOCS_CSP
    if path == "/reports" or path.startswith("/reports/"):
        return REPORTS_CSP
    return CSP


def _forwarded(headers: Headers, name: str) -> str:
    """The first value of a proxy header (the one the client's side set)."""
    return headers.get(name, "").split(",")[0].strip()


def _scope_is_https(scope: Scope, trust: bool) -> bool:
    if scope.get("scheme") in ("https", "wss"):
        return True
    return trust and _forwarded(Headers(scope=scope), "x-forwarded-proto").lower() == "https"


def is_https(request: Request, trust: bool) -> bool:
    """Whether the browser reached Baton over TLS (directly, or through a trusted proxy)."""
    return _scope_is_https(request.scope, trust)


def own_origin(request: Request, trust: bool) -> str:
    """``scheme://host[:port]`` as the browser sees this application."""
    scheme = "https" if is_https(request, trust) else "http"
    host = (_forwarded(request.headers, "x-forwarded-host") if trust else "") or request.headers.get("host", "")
    return _normal(f"{scheme}://{host}")


def _normal(origin: str) -> str:
    parts = urlsplit(origin)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not scheme or not host:
        return ""
    try:
        port = parts.port
    except ValueError:
        return ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"


def same_origin(request: Request, trust: bool) -> bool:
    """Whether the request says it comes from one of this application's own pages: its
    ``Origin`` (or, without one, its ``Referer``) is this application's origin. A request
    that names neither is refused too: every browser sends ``Origin`` with a form POST."""
    claimed = request.headers.get("origin")
    if claimed is None:
        claimed = request.headers.get("referer")
    if not claimed or claimed == "null":
        return False
    mine = own_origin(request, trust)
    return bool(mine) and _normal(claimed) == mine


def client_address(request: Request, trust: bool) -> str:
    """The address failed attempts are counted for: the peer, or with a trusted proxy the
    last address in ``X-Forwarded-For`` (the one the proxy saw)."""
    if trust:
        forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.client.host if request.client else "unknown"


def session_limits(settings: Settings) -> SessionLimits:
    return SessionLimits(
        idle=timedelta(hours=settings.session_idle_hours),
        absolute=timedelta(days=settings.session_max_days),
        attempts=attempt_limit(settings),
    )


def attempt_limit(settings: Settings) -> AttemptLimit:
    return AttemptLimit(settings.auth_failure_limit, timedelta(seconds=settings.auth_failure_window_seconds))


class Refused(Exception):
    """A state-changing request the application will not take (a forged form): 403."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def plain_page(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    """A page needing nothing else: no template, no stylesheet, no script."""
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title, quote=False)} · Baton</title></head><body>"
        f"<h1>{html.escape(title, quote=False)}</h1><p>{html.escape(detail, quote=False)}</p>"
        '<p><a href="/">Back to Baton</a></p></body></html>'
    )
    return HTMLResponse(body, status_code=status, headers=headers)


async def _refused(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return plain_page(403, "Refused", exc.detail)


async def _too_many(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TooManyAttempts)
    headers = {"Retry-After": str(exc.retry_after)}
    detail = f"too many failed attempts from your address: try again in {exc.retry_after} s"
    if request.url.path.startswith("/api/"):
        body = {"type": "about:blank", "title": "Too many requests", "status": 429, "detail": detail}
        return JSONResponse(body, status_code=429, media_type="application/problem+json", headers=headers)
    return plain_page(429, "Too many attempts", detail[:1].upper() + detail[1:] + ".", headers)


class SecurityHeaders:
    """Adds the security headers to every response (pages, API, static files, errors
    handled by the application) unless a route set them itself. HSTS only over TLS;
    ``Cache-Control: no-store`` on pages, so a page seen signed in is not shown again
    from the cache after signing out."""

    def __init__(self, app: ASGIApp, trust_proxy_headers: bool = False) -> None:
        self.app = app
        self.trust = trust_proxy_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = _scope_is_https(scope, self.trust)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", _policy_for(path))
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("strict-transport-security", HSTS)
                if headers.get("content-type", "").startswith("text/html") and not path.startswith("/static/"):
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: FastAPI, settings: Settings) -> None:
    """The headers on every response, and the 403 and 429 answers."""
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(TooManyAttempts, _too_many)
    app.add_middleware(SecurityHeaders, trust_proxy_headers=settings.trust_proxy_headers)
