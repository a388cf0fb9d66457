"""Route dependencies: the wired application (shared with the web pages, from
``baton.http``) and the calling agent."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from baton.api.problems import Unauthorized
from baton.core.errors import NotFound
from baton.http.deps import BatonDep
from baton.services.tokens import agent_for_token

__all__ = ["BatonDep", "CurrentAgent", "current_agent"]


def current_agent(request: Request, baton: BatonDep) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized("this endpoint needs an API token: send 'Authorization: Bearer <token>'")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    try:
        return agent_for_token(baton.engine, token.strip())
    except NotFound:
        raise Unauthorized("unknown or revoked API token") from None


CurrentAgent = Annotated[str, Depends(current_agent)]
