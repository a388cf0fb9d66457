"""The calling agent or system as the policy sees them, checked against the route's
entry in :mod:`baton.http.access` before the route runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from baton.api.deps import BatonDep, current_agent
from baton.core.policy import Caller, TokenScope, caller_for
from baton.http.access import authorise_route

__all__ = ["CurrentCaller", "current_caller"]


def current_caller(request: Request, baton: BatonDep, holder: Annotated[str, Depends(current_agent)]) -> Caller:
    held = getattr(request.state, "token_holder", None)
    scope = getattr(held, "scope", TokenScope.AGENT)
    caller = caller_for(baton.playbook, holder, scope)
    authorise_route(request, caller)
    return caller


CurrentCaller = Annotated[Caller, Depends(current_caller)]
