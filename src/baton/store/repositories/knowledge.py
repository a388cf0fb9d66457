"""Knowledge articles, one per ticket (see :mod:`baton.core.knowledge`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from baton.core.errors import ConcurrencyConflict, NotFound
from baton.store.knowledge_tables import knowledge_articles


@dataclass(frozen=True)
class Article:
    """A knowledge article as stored (see :mod:`baton.core.knowledge`)."""

    id: int
    ticket_id: int
    status: str
    title: str
    category: str
    problem: str
    cause: str
    steps: tuple[str, ...]
    errors: tuple[str, ...]
    missing: tuple[str, ...]
    sources: Mapping[str, str]
    version: int
    created_at: datetime
    updated_at: datetime
    reviewed_by: str | None
    published_at: datetime | None


def _article(row: Row[Any]) -> Article:
    return Article(
        id=row.id,
        ticket_id=row.ticket_id,
        status=row.status,
        title=row.title,
        category=row.category,
        problem=row.problem,
        cause=row.cause,
        steps=tuple(row.steps),
        errors=tuple(row.errors),
        missing=tuple(row.missing),
        sources=dict(row.sources),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        reviewed_by=row.reviewed_by,
        published_at=row.published_at,
    )


class KnowledgeRepository:
    """Knowledge articles, one per ticket. Writes name the version they read."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, article_id: int) -> Article:
        row = self.conn.execute(select(knowledge_articles).where(knowledge_articles.c.id == article_id)).first()
        if row is None:
            raise NotFound(f"knowledge article {article_id} does not exist")
        return _article(row)

    def by_ticket(self, ticket_id: int) -> Article | None:
        row = self.conn.execute(select(knowledge_articles).where(knowledge_articles.c.ticket_id == ticket_id)).first()
        return None if row is None else _article(row)

    def add(self, ticket_id: int, values: Mapping[str, Any], at: datetime) -> int:
        """A new draft for ``ticket_id``; ``values`` are its text columns. Returns its id."""
        result = self.conn.execute(
            insert(knowledge_articles)
            .values(ticket_id=ticket_id, status="draft", version=1, created_at=at, updated_at=at, **values)
            .returning(knowledge_articles.c.id)
        )
        return int(result.scalar_one())

    def update(self, article: Article, values: Mapping[str, Any], at: datetime) -> Article:
        """Write ``values`` over the version of ``article`` read; refuse if it moved on."""
        c = knowledge_articles.c
        result = self.conn.execute(
            update(knowledge_articles)
            .where(c.id == article.id, c.version == article.version)
            .values(version=article.version + 1, updated_at=at, **values)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(
                f"knowledge article {article.id} changed since version {article.version}; reload it and try again"
            )
        return self.get(article.id)

    def page(self, status: str | None = None, limit: int = 200, offset: int = 0) -> list[Article]:
        query = select(knowledge_articles)
        if status is not None:
            query = query.where(knowledge_articles.c.status == status)
        query = query.order_by(knowledge_articles.c.updated_at.desc(), knowledge_articles.c.id.desc())
        return [_article(r) for r in self.conn.execute(query.limit(limit).offset(offset))]

    def published(self) -> list[Article]:
        """Every published article, oldest publication first."""
        c = knowledge_articles.c
        query = select(knowledge_articles).where(c.status == "published").order_by(c.published_at, c.id)
        return [_article(r) for r in self.conn.execute(query)]

    def published_key(self) -> tuple[int, datetime | None, int | None]:
        """What the published set looks like: count, latest change and sum of ids."""
        c = knowledge_articles.c
        row = self.conn.execute(
            select(func.count(), func.max(c.updated_at), func.sum(c.id)).where(c.status == "published")
        ).one()
        return int(row[0]), row[1], None if row[2] is None else int(row[2])
