"""tamper-evident trail: hash-chained ticket events, audit anchors and the configuration audit log

Revision ID: 0008
Revises: 0007b
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from baton.core.trail import GENESIS, event_digest
from baton.store.tables import UTCDateTime

revision = "0008"
down_revision = "0007b"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TICKETS_AT_ONCE = 500

events = sa.table(
    "ticket_events",
    sa.column("id", sa.Integer()),
    sa.column("ticket_id", sa.Integer()),
    sa.column("seq", sa.Integer()),
    sa.column("type", sa.String()),
    sa.column("payload", sa.JSON()),
    sa.column("actor", sa.String()),
    sa.column("occurred_at", UTCDateTime()),
    sa.column("playbook_version", sa.String()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    op.create_table(
        "audit_log",
        sa.Column("id", Id, autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"])
    op.create_table(
        "audit_anchors",
        sa.Column("id", Id, autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tickets", Id, nullable=False),
        sa.Column("events", Id, nullable=False),
        sa.Column("log_id", Id, nullable=True),
        sa.Column("log_hash", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchors")),
    )
    op.create_table(
        "audit_anchor_heads",
        sa.Column("anchor_id", Id, nullable=False),
        sa.Column("ticket_id", Id, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["anchor_id"], ["audit_anchors.id"], name=op.f("fk_audit_anchor_heads_anchor_id_audit_anchors")
        ),
        sa.PrimaryKeyConstraint("anchor_id", "ticket_id", name=op.f("pk_audit_anchor_heads")),
    )
    op.create_index("ix_audit_anchor_heads_ticket_id_anchor_id", "audit_anchor_heads", ["ticket_id", "anchor_id"])


def _chain_existing_events() -> None:
    """Hash every event already recorded, ticket by ticket in trail order, as the
    ticket repository hashes new ones (baton.core.trail.event_digest)."""
    conn = op.get_bind()
    ticket_ids = conn.execute(sa.select(events.c.ticket_id).distinct().order_by(events.c.ticket_id)).scalars().all()
    for start in range(0, len(ticket_ids), TICKETS_AT_ONCE):
        chunk = ticket_ids[start : start + TICKETS_AT_ONCE]
        rows = conn.execute(
            sa.select(events).where(events.c.ticket_id.in_(chunk)).order_by(events.c.ticket_id, events.c.seq)
        ).all()
        hashed = _hashes(rows)
        if hashed:
            conn.execute(
                sa.update(events)
                .where(events.c.id == sa.bindparam("event_id"))
                .values(prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new_hash")),
                hashed,
            )


def _hashes(rows: Sequence[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ticket, prev = None, GENESIS
    for row in rows:
        if row.ticket_id != ticket:
            ticket, prev = row.ticket_id, GENESIS
        made = event_digest(
            row.ticket_id, row.seq, row.type, row.actor, row.occurred_at, row.payload, row.playbook_version, prev
        )
        out.append({"event_id": row.id, "new_prev": prev, "new_hash": made})
        prev = made
    return out


def downgrade() -> None:
    op.drop_index("ix_audit_anchor_heads_ticket_id_anchor_id", table_name="audit_anchor_heads")
    op.drop_table("audit_anchor_heads")
    op.drop_table("audit_anchors")
    op.drop_index("ix_audit_log_action_at", table_name="audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
