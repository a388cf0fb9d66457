"""Signing a `TestClient` in through the sign-in form, as a browser does: the page's
CSRF token and pre-session cookie, and the page's own origin."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


def form_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def origin(client: TestClient) -> dict[str, str]:
    """The header a browser sends with a form posted from one of the site's own pages."""
    return {"Origin": str(client.base_url).rstrip("/")}


def sign_in(client: TestClient, token: str, next: str = "/") -> None:
    page = client.get("/login")
    assert page.status_code == 200, page.text
    form = {"csrf_token": form_token(page.text), "token": token, "next": next}
    response = client.post("/login", data=form, headers=origin(client), follow_redirects=False)
    assert response.status_code == 303, response.text
