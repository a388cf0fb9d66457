"""Tables: the event trail plus the current state it produces.

Datetimes are stored as aware UTC on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime in, an aware UTC datetime out, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Baton stores aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=naming)

playbook_versions = Table(
    "playbook_versions",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("content", Text, nullable=False),
    Column("loaded_at", UTCDateTime, nullable=False),
)

agents = Table(
    "agents",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("tier", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", Integer, nullable=False),
    Column("subject", String(250), nullable=False),
    Column("body", Text, nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("customer_tier", String(64), nullable=False),
    Column("severity", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("escalation_level", Integer, nullable=False),
    Column("page_context", JSON, nullable=False),
    Column("original_agent", String(64), nullable=False),
    Column("accountable_agent", String(64), nullable=False),
    Column("responsible_role", String(64), nullable=False),
    Column("responsible_agent", String(64), nullable=False),
    Column("ownership_state", String(16), nullable=False),
    Column("consulted", JSON, nullable=False),
    Column("informed", JSON, nullable=False),
    Column("message_count", Integer, nullable=False),
    Column("reopen_count", Integer, nullable=False),
    Column("resolution", Text, nullable=False),
    Column("sla_clocks", JSON, nullable=False, server_default="[]"),
    Column("sentiments", JSON, nullable=False, server_default="[]"),
    Column("last_customer_message", Text, nullable=False, server_default=""),
    Column("last_progress_at", UTCDateTime, nullable=True),
    Column("rules_fired", JSON, nullable=False, server_default="[]"),
    # the version whose SLA policies and rules govern the ticket: the one it was opened under
    Column("playbook_version", String(64), ForeignKey("playbook_versions.version"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Index("ix_tickets_status_responsible_agent", "status", "responsible_agent"),
    Index("ix_tickets_updated_at", "updated_at"),
    Index("ix_tickets_customer_id", "customer_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("author_kind", String(16), nullable=False),
    Column("author", String(200), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

escalations = Table(
    "escalations",
    metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("direction", String(16), nullable=False),
    Column("from_role", String(64), nullable=False),
    Column("from_agent", String(64), nullable=False),
    Column("from_tier", Integer, nullable=False),
    Column("to_role", String(64), nullable=False),
    Column("to_agent", String(64), nullable=False),
    Column("to_tier", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("note", JSON, nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("bounced_by", String(64), nullable=True),
    Column("bounced_at", UTCDateTime, nullable=True),
    Column("missing", JSON, nullable=False),
    Column("bounce_comment", Text, nullable=False),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column(
        "playbook_version",
        String(64),
        ForeignKey("playbook_versions.version"),
        nullable=False,
    ),
    UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_id_seq"),
    Index("ix_ticket_events_occurred_at", "occurred_at"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agent", String(64), ForeignKey("agents.name"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

sla_timers = Table(
    "sla_timers",
    metadata,
    Column("ticket_id", Integer, ForeignKey("tickets.id"), primary_key=True),
    Column("due_at", UTCDateTime, nullable=False),
    Index("ix_sla_timers_due_at", "due_at"),
)
"""One row per ticket with a running SLA clock: when its next threshold falls due.
A sweep reads only the rows already due, through the ``due_at`` index."""
