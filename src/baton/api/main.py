"""The FastAPI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import baton.web
from baton.api import directory, metrics, problems, rules, tickets
from baton.api.limits import BodyLimit
from baton.app import Baton
from baton.http import security

STATIC = Path(baton.web.__file__).parent / "static"


def create_app(baton: Baton) -> FastAPI:
    app = FastAPI(
        title="Baton",
        summary="Escalation management: every escalated ticket keeps its owner and its context.",
        version="0.1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.baton = baton
    problems.install(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "playbook_version": baton.playbook.version}

    from baton.api import briefs, drafts, knowledge, notifications, reports, trail
    from baton.web import briefs as brief_pages
    from baton.web import knowledge as knowledge_pages
    from baton.web import pages
    from baton.web import reports as report_pages

    for api in (tickets, drafts, directory, metrics, rules, reports, briefs, knowledge, notifications, trail):
        app.include_router(api.router, prefix="/api/v1")
    for web in (pages, brief_pages, report_pages, knowledge_pages):
        app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimit, max_bytes=baton.settings.max_body_bytes)
    security.install(app, baton.settings)  # outermost: its headers go on every answer
    return app
