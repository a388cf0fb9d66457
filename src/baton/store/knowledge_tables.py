"""Knowledge articles: drafted from a resolved escalated ticket, reviewed and
published by a lead (see :mod:`baton.core.knowledge`).

Defined on the same ``metadata`` as :mod:`baton.store.tables`, so migrations and
schema checks see them."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text

from baton.store.tables import Id, UTCDateTime, metadata

knowledge_articles = Table(
    "knowledge_articles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("title", String(250), nullable=False),
    Column("category", String(64), nullable=False),
    Column("problem", Text, nullable=False),
    Column("cause", Text, nullable=False),
    Column("steps", JSON, nullable=False),
    Column("errors", JSON, nullable=False),
    Column("missing", JSON, nullable=False),
    # {part: where in the ticket its drafted text came from}
    Column("sources", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("reviewed_by", String(64), nullable=True),
    Column("published_at", UTCDateTime, nullable=True),
    Index("ix_knowledge_articles_status_updated_at", "status", "updated_at"),
)
"""One article per ticket: status draft, published or discarded; ``version`` guards
concurrent edits."""
