"""Imported histories: event logs brought in by ``baton import`` (a CSV or XES
log, a Zendesk export), kept normalised so metrics can be asked of them later.

Defined on the same ``metadata`` as :mod:`baton.store.tables`, so migrations and
schema checks see them."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, SmallInteger, String, Table, Text

from baton.store.tables import Id, UTCDateTime, metadata

imported_histories = Table(
    "imported_histories",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("source", Text, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    Column("events", Integer, nullable=False),
    Column("cases", Integer, nullable=False),
    Column("capabilities", JSON, nullable=False),
    Column("routine_categories", JSON, nullable=True),
    # [[case, reason], ...]: cases that lost rows to bad input on import.
    Column("excluded", JSON, nullable=False),
    Column("report", JSON, nullable=False),
)

imported_events = Table(
    "imported_events",
    metadata,
    Column("history", String(100), ForeignKey("imported_histories.name", ondelete="CASCADE"), primary_key=True),
    Column("seq", Id, primary_key=True),
    Column("case_id", Text, nullable=False),
    Column("source_row", Integer, nullable=False),
    Column("ts", UTCDateTime, nullable=False),
    Column("activity", Text, nullable=True),
    Column("team", Text, nullable=True),
    Column("agent", Text, nullable=True),
    Column("tier", SmallInteger, nullable=True),
    Column("category", Text, nullable=True),
    Column("severity", Text, nullable=True),
    Column("customer_tier", Text, nullable=True),
    Column("kind", String(16), nullable=True),
    Column("escalation", String(16), nullable=True),
    Column("to_tier", SmallInteger, nullable=True),
    Column("sla_target", Text, nullable=True),
    Column("sla_cycle", Integer, nullable=True),
    Column("sla_state", String(16), nullable=True),
    Index("ix_imported_events_history_case_id", "history", "case_id"),
)
