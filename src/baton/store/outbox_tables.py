"""The outbox and what it delivers to: messages written in the same transaction as
the events that caused them, each attempt at delivering one, and agents' in-app
notifications (the first consumer).

Defined on the same ``metadata`` as :mod:`baton.store.tables`, so migrations and
schema checks see them."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text

from baton.store.tables import Id, UTCDateTime, metadata

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("consumer", String(32), nullable=False),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # pending | delivered | dead
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)
"""One row per message and recipient; ``key`` is the idempotency key consumers honour."""

outbox_attempts = Table(
    "outbox_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("outbox_id", Id, ForeignKey("outbox.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ok", Integer, nullable=False),
    Column("error", Text, nullable=True),
    Index("ix_outbox_attempts_outbox_id", "outbox_id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("agent", String(64), nullable=False),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
    Column("dismissed_at", UTCDateTime, nullable=True),
    Index("ix_notifications_agent_id", "agent", "id"),
)
"""An agent's in-app notifications, one per outbox key: delivered twice, stored once."""
