"""The wired application as a route dependency, for the API and the web pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from baton.app import Baton


def get_baton(request: Request) -> Baton:
    baton: Baton = request.app.state.baton
    return baton


BatonDep = Annotated[Baton, Depends(get_baton)]
