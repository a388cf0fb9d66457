"""The request's own origin, scheme and client address, with and without a trusted proxy,
and the Origin check forms rely on. Requests built from ASGI scopes: no server."""

from __future__ import annotations

from starlette.requests import Request

from baton.http.security import CSP, DOCS_CSP, REPORTS_CSP, client_address, is_https, own_origin, same_origin


def request(headers: dict[str, str], scheme: str = "http", client: str = "10.0.0.5") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {"type": "http", "method": "POST", "scheme": scheme, "path": "/x", "headers": raw, "client": (client, 1)}
    return Request(scope)


def test_a_form_from_the_page_s_own_origin_passes():
    assert same_origin(request({"host": "baton.example:8000", "origin": "http://baton.example:8000"}), trust=False)


def test_another_port_scheme_or_host_is_another_origin():
    for origin in ("http://baton.example:8001", "https://baton.example:8000", "http://evil.example:8000", "null"):
        assert not same_origin(request({"host": "baton.example:8000", "origin": origin}), trust=False), origin


def test_without_origin_the_referer_decides_and_without_either_the_form_is_refused():
    host = {"host": "baton.example"}
    assert same_origin(request(host | {"referer": "http://baton.example/knowledge/3?done=x"}), trust=False)
    assert not same_origin(request(host | {"referer": "http://evil.example/knowledge/3"}), trust=False)
    assert not same_origin(request(host), trust=False)


def test_default_ports_are_the_same_origin_written_either_way():
    assert same_origin(request({"host": "baton.example:443", "origin": "https://baton.example"}, "https"), False)
    assert same_origin(request({"host": "baton.example", "origin": "http://baton.example:80"}), trust=False)


def test_proxy_headers_count_only_when_trusted():
    behind = {
        "host": "127.0.0.1:8000",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "support.example",
        "x-forwarded-for": "198.51.100.7, 192.0.2.10",
        "origin": "https://support.example",
    }
    assert own_origin(request(behind), trust=True) == "https://support.example"
    assert same_origin(request(behind), trust=True)
    assert is_https(request(behind), trust=True)
    assert client_address(request(behind), trust=True) == "192.0.2.10"

    assert own_origin(request(behind), trust=False) == "http://127.0.0.1:8000"
    assert not same_origin(request(behind), trust=False)
    assert not is_https(request(behind), trust=False)
    assert client_address(request(behind), trust=False) == "10.0.0.5"


def test_the_policies_allow_no_inline_script_on_baton_s_own_pages():
    for policy in (CSP, REPORTS_CSP):
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in CSP
    assert "style-src 'self' 'unsafe-inline'" in REPORTS_CSP
    assert "frame-ancestors 'none'" in DOCS_CSP
