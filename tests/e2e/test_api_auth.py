"""Bearer tokens, sign-in and forms over HTTP (the app in a TestClient): expired and revoked
tokens, the failed-attempt limit (429 with Retry-After, on the API and on /login), the
CSRF token and Origin check on web forms, the session cookie's flags behind a trusted
proxy, and the security headers on every answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from baton.api.main import create_app
from baton.app import Baton
from baton.core.policy import TokenScope
from baton.services.tokens import create_token, list_tokens, revoke_token
from tests.signing_in import form_token, origin, sign_in

PROBLEM = "application/problem+json"


def client_for(baton: Baton, base_url: str = "http://testserver", **settings: object) -> TestClient:
    configured = dataclasses.replace(baton, settings=baton.settings.model_copy(update=settings))
    return TestClient(create_app(configured), base_url=base_url, raise_server_exceptions=True)


@pytest.fixture
def limited(baton: Baton) -> Iterator[TestClient]:
    """Three failures per minute per address."""
    with client_for(baton, auth_failure_limit=3, auth_failure_window_seconds=60) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_past_its_expiry_or_revoked_is_refused(baton, client, clock):
    soon = create_token(baton.engine, "amara", clock.now(), expires_in=timedelta(hours=1))
    kept = create_token(baton.engine, "amara", clock.now(), "kept")
    assert client.get("/api/v1/agents", headers=bearer(soon)).status_code == 200

    clock.advance(timedelta(hours=1))
    expired = client.get("/api/v1/agents", headers=bearer(soon))
    [info] = [t for t in list_tokens(baton.engine) if t.label == "kept"]
    revoke_token(baton.engine, info.id, clock.now())
    revoked = client.get("/api/v1/agents", headers=bearer(kept))

    for answer in (expired, revoked):
        assert answer.status_code == 401
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["detail"] == "unknown, revoked or expired API token"


def test_too_many_failed_tokens_from_one_address_are_answered_429_even_for_a_good_token(baton, limited, clock):
    good = create_token(baton.engine, "amara", clock.now())
    for _ in range(3):
        assert limited.get("/api/v1/agents", headers=bearer("bt_guess")).status_code == 401

    refused = limited.get("/api/v1/agents", headers=bearer(good))

    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM
    assert refused.headers["retry-after"] == "60"
    assert refused.json()["status"] == 429
    clock.advance(timedelta(seconds=30))
    assert limited.get("/api/v1/agents", headers=bearer(good)).headers["retry-after"] == "30"
    clock.advance(timedelta(seconds=30))
    assert limited.get("/api/v1/agents", headers=bearer(good)).status_code == 200


def test_too_many_failed_sign_ins_are_answered_429_on_the_sign_in_page(baton, limited, clock):
    page = limited.get("/login")
    form = {"csrf_token": form_token(page.text), "next": "/"}
    for _ in range(3):
        wrong = limited.post("/login", data=form | {"token": "bt_guess"}, headers=origin(limited))
        assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
    good = create_token(baton.engine, "amara", clock.now())

    refused = limited.post("/login", data=form | {"token": good}, headers=origin(limited), follow_redirects=False)

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert "Too many failed sign-ins" in refused.text
    assert "baton_session" not in refused.cookies
    # the API shares the count: the same address is refused there too
    assert limited.get("/api/v1/agents", headers=bearer(good)).status_code == 429


def test_a_read_token_queries_the_api(baton, client, clock):
    token = create_token(baton.engine, "amara", clock.now(), scope=TokenScope.READ)

    assert client.get("/api/v1/agents", headers=bearer(token)).status_code == 200


def test_the_sign_in_form_needs_its_token_and_its_own_origin(baton, client, clock):
    token = create_token(baton.engine, "amara", clock.now())
    page = client.get("/login")
    csrf = form_token(page.text)
    form = {"token": token, "next": "/", "csrf_token": csrf}

    elsewhere = client.post("/login", data=form, headers={"Origin": "http://evil.example"})
    unsigned = client.post("/login", data=form | {"csrf_token": "forged"}, headers=origin(client))
    nameless = client.post("/login", data=form)  # neither Origin nor Referer

    for answer in (elsewhere, unsigned, nameless):
        assert answer.status_code == 403
        assert "baton_session" not in answer.cookies
    assert "not sent from one of Baton's own pages" in elsewhere.text
    assert "sign-in form had expired" in unsigned.text
    signed = client.post("/login", data=form, headers=origin(client), follow_redirects=False)
    assert signed.status_code == 303
    assert signed.cookies["baton_session"] != token


def test_a_web_form_without_the_session_s_token_is_refused_and_signing_out_needs_it(baton, client, clock):
    sign_in(client, create_token(baton.engine, "amara", clock.now()))
    page = client.get("/")
    assert page.status_code == 200 and "signed in as" in page.text

    forged = client.post("/logout", data={"csrf_token": "0" * 64}, headers=origin(client), follow_redirects=False)
    assert forged.status_code == 403
    assert "signed in as" in client.get("/").text, "a refused sign-out changes nothing"

    done = client.post(
        "/logout", data={"csrf_token": form_token(page.text)}, headers=origin(client), follow_redirects=False
    )
    assert done.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_every_answer_carries_the_security_headers_and_hsts_only_over_tls(baton, client, clock):
    token = create_token(baton.engine, "amara", clock.now())
    answers = [
        client.get("/login"),
        client.get("/api/v1/agents", headers=bearer(token)),
        client.get("/api/v1/agents"),
        client.get("/static/baton.css"),
        client.get("/healthz"),
    ]
    for answer in answers:
        assert "script-src 'self'" in answer.headers["content-security-policy"], answer.url
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in answer.headers
    assert client.get("/login").headers["cache-control"] == "no-store"

    with client_for(baton, base_url="https://testserver") as tls:
        assert tls.get("/login").headers["strict-transport-security"].startswith("max-age=")


def test_swagger_ui_keeps_working_under_its_own_policy(client):
    docs = client.get("/api/v1/docs")

    policy = docs.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in policy and "frame-ancestors 'none'" in policy


def test_behind_a_trusted_proxy_the_cookie_is_secure_and_the_proxy_s_origin_counts(baton, clock):
    token = create_token(baton.engine, "amara", clock.now())
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "support.example"}

    with client_for(baton, trust_proxy_headers=True) as behind:
        page = behind.get("/login", headers=proxied)
        assert page.headers["strict-transport-security"].startswith("max-age=")
        form = {"token": token, "next": "/", "csrf_token": form_token(page.text)}
        # the browser holds the Secure pre-session cookie for https://support.example; the
        # test client, speaking http to Baton like the proxy, would not send it back
        nonce = page.cookies["baton_login"]
        sent = proxied | {"Origin": "https://support.example", "Cookie": f"baton_login={nonce}"}
        signed = behind.post("/login", data=form, headers=sent, follow_redirects=False)
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"]
        assert "baton_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
        assert "SameSite=lax" in cookie and "Path=/" in cookie

    with client_for(baton) as untrusting:
        page = untrusting.get("/login", headers=proxied)
        assert "strict-transport-security" not in page.headers
        form = {"token": token, "next": "/", "csrf_token": form_token(page.text)}
        refused = untrusting.post("/login", data=form, headers=proxied | {"Origin": "https://support.example"})
        assert refused.status_code == 403, "without trusting the proxy its origin is another origin"
        signed = untrusting.post("/login", data=form, headers=origin(untrusting), follow_redirects=False)
        assert signed.status_code == 303 and "Secure" not in signed.headers["set-cookie"]
