"""The signed-in browser: its session cookie, and the session it stands for as a route
dependency (looked up once a request, however many dependencies ask)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request, Response

from baton.http.deps import BatonDep
from baton.http.security import is_https, session_limits
from baton.services.sessions import WebSession, session_for
from baton.settings import Settings

__all__ = ["SESSION_COOKIE", "CurrentSession", "current_session", "forget_session", "form_token", "keep_session"]

SESSION_COOKIE = "baton_session"
"""Holds the session's secret (never the API token); the server keeps only its hash."""


def current_session(request: Request, baton: BatonDep) -> WebSession | None:
    """The session the request's cookie stands for, if it is still on. The CSRF token of
    its forms is left on ``request.state.csrf_token`` (see ``baton.web.forms``)."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    session = session_for(baton.engine, secret, baton.clock.now(), session_limits(baton.settings))
    if session is not None:
        request.state.csrf_token = form_token(secret, "session")
    return session


def form_token(secret: str, purpose: str) -> str:
    """The token forms carry: an HMAC of the session's (or the pre-session's) secret, which
    only the browser's HttpOnly cookie holds, so another site cannot compute it."""
    return hmac.new(secret.encode(), f"baton {purpose} form".encode(), hashlib.sha256).hexdigest()


CurrentSession = Annotated[WebSession | None, Depends(current_session)]


def keep_session(response: Response, request: Request, settings: Settings, secret: str, max_age: int) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Path=/, Secure over TLS."""
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, settings.trust_proxy_headers),
    )


def forget_session(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, settings.trust_proxy_headers),
    )
