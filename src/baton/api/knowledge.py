"""/api/v1/knowledge: articles drafted from resolved escalated tickets, reviewed,
edited and published by leads (see :mod:`baton.services.knowledge`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from baton.api.callers import CurrentCaller
from baton.api.deps import BatonDep
from baton.api.params import ArticleId, Offset
from baton.api.schemas import Body, Page
from baton.api.text import MultiLine, OneLine
from baton.services import knowledge
from baton.store.repositories.knowledge import Article

router = APIRouter(prefix="/knowledge", tags=["knowledge"])


class ArticlePublic(BaseModel):
    id: int
    ticket_id: int
    status: str
    title: str
    category: str
    problem: str
    cause: str
    steps: list[str]
    errors: list[str]
    missing: list[str] = Field(description="Parts the ticket did not state, left empty for a lead to fill in.")
    sources: Mapping[str, str] = Field(description="Where in the ticket each drafted part came from.")
    version: int
    created_at: datetime
    updated_at: datetime
    reviewed_by: str | None
    published_at: datetime | None
    ticket_url: str

    @classmethod
    def of(cls, a: Article) -> ArticlePublic:
        return cls.model_validate(dataclasses.asdict(a) | {"ticket_url": f"/api/v1/tickets/{a.ticket_id}"})


class ArticleUpdate(Body):
    title: Annotated[OneLine, Field(max_length=knowledge.TITLE_MAX)] | None = None
    problem: Annotated[MultiLine, Field(max_length=knowledge.TEXT_MAX)] | None = None
    cause: Annotated[MultiLine, Field(max_length=knowledge.TEXT_MAX)] | None = None
    steps: (
        Annotated[
            list[Annotated[MultiLine, Field(max_length=knowledge.STEP_MAX)]], Field(max_length=knowledge.STEPS_MAX)
        ]
        | None
    ) = None
    expected_version: int = Field(description="The article version you read; refused with 409 if it moved on.")


class ArticleAction(Body):
    expected_version: int | None = Field(
        default=None, description="The article version you read; refused with 409 if it moved on."
    )


@router.get("", response_model=Page[ArticlePublic])
def list_articles(
    baton: BatonDep,
    _caller: CurrentCaller,
    status: Literal["draft", "published", "discarded"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> Page[ArticlePublic]:
    found = knowledge.list_articles(baton.engine, status, limit=limit, offset=offset)
    return Page[ArticlePublic](items=[ArticlePublic.of(a) for a in found], limit=limit, offset=offset)


@router.get("/{article_id}", response_model=ArticlePublic)
def get_article(article_id: ArticleId, baton: BatonDep, _caller: CurrentCaller) -> ArticlePublic:
    return ArticlePublic.of(knowledge.get_article(baton.engine, article_id))


@router.patch("/{article_id}", response_model=ArticlePublic)
def edit_article(article_id: ArticleId, body: ArticleUpdate, baton: BatonDep, caller: CurrentCaller) -> ArticlePublic:
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version"})
    changes = {name: value for name, value in changes.items() if value is not None}
    edited = knowledge.edit_article(
        baton.engine, baton.playbook, caller.name, article_id, changes, body.expected_version, baton.clock.now()
    )
    return ArticlePublic.of(edited)


@router.post("/{article_id}/publish", response_model=ArticlePublic)
def publish(
    article_id: ArticleId, baton: BatonDep, caller: CurrentCaller, body: ArticleAction | None = None
) -> ArticlePublic:
    version = body.expected_version if body is not None else None
    return ArticlePublic.of(
        knowledge.publish(baton.engine, baton.playbook, caller.name, article_id, baton.clock.now(), version)
    )


@router.post("/{article_id}/discard", response_model=ArticlePublic)
def discard(
    article_id: ArticleId, baton: BatonDep, caller: CurrentCaller, body: ArticleAction | None = None
) -> ArticlePublic:
    version = body.expected_version if body is not None else None
    return ArticlePublic.of(
        knowledge.discard(baton.engine, baton.playbook, caller.name, article_id, baton.clock.now(), version)
    )
