"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from baton.api import directory, metrics, problems, rules, tickets
from baton.api.limits import BodyLimit
from baton.app import Baton


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
    app.include_router(tickets.router, prefix="/api/v1")
    app.include_router(directory.router, prefix="/api/v1")
    app.include_router(metrics.router, prefix="/api/v1")
    app.include_router(rules.router, prefix="/api/v1")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "playbook_version": baton.playbook.version}

    from baton.api.briefs import router as briefs_api
    from baton.api.knowledge import router as knowledge_api
    from baton.api.reports import router as reports_api
    from baton.web.briefs import router as brief_pages
    from baton.web.knowledge import router as knowledge_pages
    from baton.web.pages import router as pages
    from baton.web.reports import router as reports_pages

    app.include_router(reports_api, prefix="/api/v1")
    app.include_router(briefs_api, prefix="/api/v1")
    app.include_router(pages)
    app.include_router(brief_pages)
    app.include_router(reports_pages)
    app.include_router(knowledge_api, prefix="/api/v1")
    app.include_router(knowledge_pages)
    app.add_middleware(BodyLimit, max_bytes=baton.settings.max_body_bytes)
    return app
