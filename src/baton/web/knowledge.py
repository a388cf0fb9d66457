"""/knowledge: drafts waiting for review and published articles; an article with its
source ticket, an edit form, and Publish / Discard for leads. Signed-in only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baton.app import Baton
from baton.core.errors import DomainError, InvalidCommand, NotFound
from baton.http.deps import BatonDep
from baton.http.ids import PathId
from baton.http.status import status_of
from baton.services import knowledge
from baton.store.repositories.knowledge import Article
from baton.web.forms import CheckedForm
from baton.web.pages import Viewer, common_context, templates, to_sign_in

router = APIRouter(include_in_schema=False)

DONE = {
    "edited": "Saved.",
    "published": "Published: it is now suggested for tickets that read alike.",
    "discarded": "Discarded: it will not be suggested.",
}


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _refusal(exc: DomainError, doing: str) -> str:
    """What a person reads when a command is refused."""
    if doing == "publish" and isinstance(exc, InvalidCommand) and exc.errors:
        return f"Fill in the {_and([e.field for e in exc.errors])} before publishing."
    return exc.detail[:1].upper() + exc.detail[1:] + ("" if exc.detail.endswith(".") else ".")


def _version(form: Mapping[str, str]) -> int | None:
    raw = form.get("expected_version", "")
    return int(raw) if raw.isdigit() else None


def _article_page(
    request: Request,
    baton: Baton,
    viewer: str,
    article: Article,
    *,
    message: str = "",
    error: str = "",
    fields: Mapping[str, Any] | None = None,
    status_code: int = 200,
    bad: tuple[str, ...] = (),
) -> Response:
    shown = {
        "title": article.title,
        "problem": article.problem,
        "cause": article.cause,
        "steps": "\n".join(article.steps),
        "expected_version": article.version,
    }
    shown |= dict(fields or {})
    return templates.TemplateResponse(
        request,
        "knowledge_article.html",
        {
            **common_context(baton, viewer),
            "article": article,
            "form": shown,
            "lead": baton.playbook.has_authority(viewer),
            "message": message,
            "error": error,
            "bad": bad,
        },
        status_code=status_code,
    )


def _missing(request: Request, baton: Baton, viewer: str, exc: NotFound) -> Response:
    return templates.TemplateResponse(
        request, "missing.html", {**common_context(baton, viewer), "detail": exc.detail}, status_code=404
    )


@router.get("/knowledge", response_class=HTMLResponse)
def knowledge_list(request: Request, baton: BatonDep, viewer: Viewer) -> Response:
    if viewer is None:
        return to_sign_in(request)
    drafts = knowledge.list_articles(baton.engine, knowledge.DRAFT)
    published = knowledge.list_articles(baton.engine, knowledge.PUBLISHED)
    return templates.TemplateResponse(
        request,
        "knowledge_list.html",
        {
            **common_context(baton, viewer),
            "drafts": drafts,
            "published": published,
            "lead": baton.playbook.has_authority(viewer),
        },
    )


@router.get("/knowledge/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: PathId, baton: BatonDep, viewer: Viewer, done: str = "") -> Response:
    if viewer is None:
        return to_sign_in(request)
    try:
        article = knowledge.get_article(baton.engine, article_id)
    except NotFound as exc:
        return _missing(request, baton, viewer, exc)
    return _article_page(request, baton, viewer, article, message=DONE.get(done, ""))


def _back(article_id: int, done: str) -> RedirectResponse:
    return RedirectResponse(f"/knowledge/{article_id}?" + urlencode({"done": done}), status_code=303)


def _attempt(
    request: Request,
    baton: Baton,
    viewer: str,
    article_id: PathId,
    doing: str,
    run: Callable[[], object],
    done: str,
    fields: Mapping[str, str] | None = None,
) -> Response:
    """Run a reviewer's change: back to the article saying so, or the article again with
    the refusal (and what they typed, so nothing is lost)."""
    try:
        run()
    except NotFound as exc:
        return _missing(request, baton, viewer, exc)
    except DomainError as exc:
        article = knowledge.get_article(baton.engine, article_id)
        return _article_page(
            request,
            baton,
            viewer,
            article,
            error=_refusal(exc, doing),
            fields=fields,
            status_code=status_of(exc),
            bad=tuple(e.field for e in exc.errors),
        )
    return _back(article_id, done)


@router.post("/knowledge/{article_id}")
def edit(request: Request, article_id: PathId, baton: BatonDep, viewer: Viewer, form: CheckedForm) -> Response:
    if viewer is None:
        return to_sign_in(request)
    changes: dict[str, Any] = {name: form[name] for name in ("title", "problem", "cause") if name in form}
    if "steps" in form:
        changes["steps"] = form["steps"].splitlines()

    def run() -> object:
        return knowledge.edit_article(
            baton.engine, baton.playbook, viewer, article_id, changes, _version(form), baton.clock.now()
        )

    typed: dict[str, str] = {name: form[name] for name in ("title", "problem", "cause", "steps") if name in form}
    return _attempt(request, baton, viewer, article_id, "edit", run, "edited", typed)


def _act(
    request: Request, article_id: int, baton: Baton, viewer: str | None, form: Mapping[str, str], doing: str
) -> Response:
    if viewer is None:
        return to_sign_in(request)
    act = knowledge.publish if doing == "publish" else knowledge.discard

    def run() -> object:
        return act(baton.engine, baton.playbook, viewer, article_id, baton.clock.now(), _version(form))

    return _attempt(request, baton, viewer, article_id, doing, run, "published" if doing == "publish" else "discarded")


@router.post("/knowledge/{article_id}/publish")
def publish(request: Request, article_id: PathId, baton: BatonDep, viewer: Viewer, form: CheckedForm) -> Response:
    return _act(request, article_id, baton, viewer, form, "publish")


@router.post("/knowledge/{article_id}/discard")
def discard(request: Request, article_id: PathId, baton: BatonDep, viewer: Viewer, form: CheckedForm) -> Response:
    return _act(request, article_id, baton, viewer, form, "discard")
