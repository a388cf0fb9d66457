"""Forms that cannot be forged from another site.

Every state-changing web POST takes its fields from one dependency::

    @router.post("/things/{thing_id}")
    async def change(..., viewer: Viewer, form: CheckedForm) -> Response: ...

and every ``<form method="post">`` carries ``{{ csrf_field() }}``. ``CheckedForm``
refuses (403, a plain page) a request whose ``Origin`` (or ``Referer``) is not this
application's own, and, for a signed-in browser, one without the session's CSRF token:
an HMAC of the session's secret, which only the browser's HttpOnly cookie holds. A
request without a session is not refused by the token (there is no one to act as; the
route sends it to sign in). The sign-in form, before any session, uses ``LoginForm``:
the same Origin check and a double-submit token bound to a random pre-session cookie."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import Depends, Request, Response
from jinja2 import pass_context
from markupsafe import Markup

from baton.http.deps import BatonDep
from baton.http.security import Refused, is_https, same_origin
from baton.web.session import CurrentSession, form_token

__all__ = [
    "CSRF_FIELD",
    "LOGIN_COOKIE",
    "CheckedForm",
    "LoginForm",
    "checked_form",
    "csrf_field",
    "forget_login_nonce",
    "keep_login_nonce",
    "login_form",
    "prepare_login",
]

CSRF_FIELD = "csrf_token"
LOGIN_COOKIE = "baton_login"
LOGIN_COOKIE_MAX_AGE = 12 * 3600
STALE_LOGIN = (
    "The sign-in form had expired (or your browser refused its cookie), so nothing was done. "
    "Open the sign-in page again and sign in."
)
CROSS_ORIGIN = (
    "This form was not sent from one of Baton's own pages, so nothing was done. "
    "If you did send it, go back to Baton, reload the page and send it again."
)
STALE = (
    "This form is out of date (you signed in again, or signed out, since the page was shown), "
    "so nothing was done. Go back, reload the page and send it again."
)


@pass_context
def csrf_field(context: Any) -> Markup:
    """``{{ csrf_field() }}``: the hidden field with the token of the page's session."""
    token: str = getattr(context["request"].state, "csrf_token", "")
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


async def _fields(request: Request) -> dict[str, str]:
    parsed = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}


def _check_origin(request: Request, trust: bool) -> None:
    if not same_origin(request, trust):
        raise Refused(CROSS_ORIGIN)


def _check_token(sent: str, expected: str) -> None:
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Refused(STALE)


async def checked_form(request: Request, baton: BatonDep, session: CurrentSession) -> dict[str, str]:
    """The form's fields, once the request is known to come from the signed-in
    browser's own Baton page (:class:`Refused` otherwise)."""
    _check_origin(request, baton.settings.trust_proxy_headers)
    form = await _fields(request)
    if session is not None:
        _check_token(form.get(CSRF_FIELD, ""), request.state.csrf_token)
    return form


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]


def prepare_login(request: Request) -> str:
    """The pre-session nonce (the browser's, or a new one) with the sign-in form's token
    left for ``csrf_field()``; :func:`keep_login_nonce` puts it in the cookie."""
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    request.state.csrf_token = form_token(nonce, "login")
    return nonce


def keep_login_nonce(response: Response, request: Request, trust: bool, nonce: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=LOGIN_COOKIE_MAX_AGE,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=is_https(request, trust),
    )


def forget_login_nonce(response: Response, request: Request, trust: bool) -> None:
    response.delete_cookie(
        LOGIN_COOKIE, path="/login", httponly=True, samesite="strict", secure=is_https(request, trust)
    )


async def login_form(request: Request, baton: BatonDep) -> dict[str, str]:
    """The sign-in form's fields, once it is known to come from Baton's own sign-in page."""
    _check_origin(request, baton.settings.trust_proxy_headers)
    form = await _fields(request)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    sent = form.get(CSRF_FIELD, "")
    if not nonce or not hmac.compare_digest(sent.encode(), form_token(nonce, "login").encode()):
        raise Refused(STALE_LOGIN)
    prepare_login(request)  # a refused sign-in shows the form again, with the same token
    return form


LoginForm = Annotated[dict[str, str], Depends(login_form)]
