"""Every route and every command names its entry in the authorisation policy: a new
one without an entry fails here (and is refused when called)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import SimpleNamespace

from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from baton.api.main import create_app
from baton.cli.access import COMMANDS, commands, unlisted
from baton.cli.main import app as cli
from baton.http.access import ROUTES
from baton.settings import Settings


def flattened(routes: Iterable[object], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, full path) of every route, through included routers."""
    for route in routes:
        if isinstance(route, Mount):
            continue  # static files: served to anyone, like the sign-in page
        included = getattr(route, "include_context", None)
        if included is not None:
            yield from flattened(route.original_router.routes, prefix + included.prefix)  # type: ignore[attr-defined]
            continue
        assert isinstance(route, APIRoute | Route), route
        for method in route.methods or ():
            if method != "HEAD":
                yield method, prefix + route.path


def routes() -> set[tuple[str, str]]:
    baton = SimpleNamespace(settings=Settings(), playbook=SimpleNamespace(version="test"))
    return set(flattened(create_app(baton).routes))  # type: ignore[arg-type]


def test_every_route_has_an_entry_in_the_policy() -> None:
    missing = sorted(routes() - set(ROUTES))
    assert not missing, f"routes without an authorisation entry in baton.http.access.ROUTES: {missing}"


def test_the_policy_names_no_route_that_does_not_exist() -> None:
    assert not sorted(set(ROUTES) - routes())


def test_every_command_has_an_entry_in_the_policy() -> None:
    assert not unlisted(cli), f"commands without an entry in baton.cli.access.COMMANDS: {unlisted(cli)}"
    assert not sorted(set(COMMANDS) - {path for path, _ in commands(cli)})
