"""Tables: the event trail plus the current state it produces.

Datetimes are stored as aware UTC on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
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

Id = BigInteger().with_variant(Integer, "sqlite")
"""Every id, primary and foreign: 64-bit. On PostgreSQL a ``bigint`` (``bigserial`` for a
primary key); on SQLite an ``INTEGER``, whose ``INTEGER PRIMARY KEY`` is the 64-bit rowid
and autoincrements only when spelt so."""

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
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("tier", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("version", Integer, nullable=False),
    Column("subject", String(250), nullable=False),
    Column("body", Text, nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
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
    # public replies waiting for the accountable agent (the playbook's customer_voice)
    Column("drafts", JSON, nullable=False, server_default="[]"),
    Column("draft_count", Integer, nullable=False, server_default="0"),
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
    Column("ticket_id", Id, ForeignKey("tickets.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("author_kind", String(16), nullable=False),
    Column("author", String(200), nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

ticket_parties = Table(
    "ticket_parties",
    metadata,
    # everyone named on a ticket and every role it involves (baton.core.policy.parties),
    # kept with the ticket so lists can be filtered by who may see them
    Column("ticket_id", Id, ForeignKey("tickets.id"), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("name", String(64), primary_key=True),
    Index("ix_ticket_parties_kind_name", "kind", "name"),
)

escalations = Table(
    "escalations",
    metadata,
    Column("ticket_id", Id, ForeignKey("tickets.id"), primary_key=True),
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
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False),
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
    # the trail's hash chain (baton.core.trail): the hash of the event before this one in
    # the same ticket, and this event's own over its content and that one
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_id_seq"),
    Index("ix_ticket_events_occurred_at", "occurred_at"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # an agent's name (scopes agent and read) or an integration the playbook declares
    # (scope integration): no foreign key, an integration is no agent
    Column("holder", String(64), nullable=False),
    Column("scope", String(16), nullable=False, server_default="agent"),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),  # none: never
    Column("last_used_at", UTCDateTime, nullable=True),  # written at most once a minute
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_api_tokens_holder", "holder"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    # a signed-in browser: the cookie holds the secret, the row only its SHA-256
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("agent", String(64), ForeignKey("agents.name"), nullable=False),
    Column("token_id", Id, ForeignKey("api_tokens.id"), nullable=False),  # the token signed in with
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),  # written at most once a minute
    Column("expires_at", UTCDateTime, nullable=False),  # the absolute end; idle expiry counts from last_seen_at
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("user_agent", String(300), nullable=False, server_default=""),
    Column("address", String(64), nullable=False, server_default=""),
    Index("ix_web_sessions_token_id", "token_id"),
    Index("ix_web_sessions_expires_at", "expires_at"),
)

auth_failures = Table(
    "auth_failures",
    metadata,
    # one row per failed sign-in or bearer token, per client address; rows older than
    # the limit's window are pruned as new ones come
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("address", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_auth_failures_address_at", "address", "at"),
    Index("ix_auth_failures_at", "at"),
)

sla_timers = Table(
    "sla_timers",
    metadata,
    Column("ticket_id", Id, ForeignKey("tickets.id"), primary_key=True),
    Column("due_at", UTCDateTime, nullable=False),
    Index("ix_sla_timers_due_at", "due_at"),
)
"""One row per ticket with a running SLA clock: when its next threshold falls due.
A sweep reads only the rows already due, through the ``due_at`` index."""

audit_log = Table(
    "audit_log",
    metadata,
    # ids are assigned by the log itself, one after the last, under a lock: its chain's positions
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_action_at", "action", "at"),
)
"""Configuration changes that are no ticket's event (a customer's tier, a token, an
import, a backtest), one hash chain over the whole table (see baton.core.audit)."""

audit_anchors = Table(
    "audit_anchors",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    # trails and events there were when it was taken
    Column("tickets", Id, nullable=False),
    Column("events", Id, nullable=False),
    # the audit log's last entry then
    Column("log_id", Id, nullable=True),
    Column("log_hash", String(64), nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
"""Anchors over every trail, chained one after another: each records, in
``audit_anchor_heads``, the head of every ticket's trail that grew since the one before."""

audit_anchor_heads = Table(
    "audit_anchor_heads",
    metadata,
    Column("anchor_id", Id, ForeignKey("audit_anchors.id"), primary_key=True),
    # no foreign key: an anchored ticket deleted since must still be seen missing
    Column("ticket_id", Id, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_anchor_heads_ticket_id_anchor_id", "ticket_id", "anchor_id"),
)
