"""Route dependencies: the wired application (shared with the web pages, from
``baton.http``) and the caller the bearer token stands for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from baton.api.problems import Unauthorized
from baton.core.errors import NotFound
from baton.http.deps import BatonDep
from baton.http.security import attempt_limit, client_address
from baton.services.tokens import TokenHolder, authenticate

__all__ = ["BatonDep", "CurrentAgent", "current_agent"]


def current_agent(request: Request, baton: BatonDep) -> str:
    """The holder of the request's bearer token: an agent's name or, for an integration
    token, the integration's. The whole :class:`TokenHolder` (scope, token id) is left on
    ``request.state.token_holder``. An address over the failed-attempt limit is refused
    with 429 (``TooManyAttempts``) before its token is even looked at."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized("this endpoint needs an API token: send 'Authorization: Bearer <token>'")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    settings = baton.settings
    address = client_address(request, settings.trust_proxy_headers)
    try:
        holder: TokenHolder = authenticate(
            baton.engine, token.strip(), baton.clock.now(), address, attempt_limit(settings)
        )
    except NotFound:
        raise Unauthorized("unknown, revoked or expired API token") from None
    request.state.token_holder = holder  # its scope is for the policy (baton.api.callers)
    return holder.holder


CurrentAgent = Annotated[str, Depends(current_agent)]
