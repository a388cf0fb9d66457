"""imported histories: event logs kept for the metrics (baton import)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_histories",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("routine_categories", sa.JSON(), nullable=True),
        sa.Column("excluded", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_imported_histories")),
    )
    op.create_table(
        "imported_events",
        sa.Column("history", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activity", sa.Text(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("agent", sa.Text(), nullable=True),
        sa.Column("tier", sa.SmallInteger(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("customer_tier", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("escalation", sa.String(length=16), nullable=True),
        sa.Column("to_tier", sa.SmallInteger(), nullable=True),
        sa.Column("sla_target", sa.Text(), nullable=True),
        sa.Column("sla_cycle", sa.Integer(), nullable=True),
        sa.Column("sla_state", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["history"],
            ["imported_histories.name"],
            name=op.f("fk_imported_events_history_imported_histories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("history", "seq", name=op.f("pk_imported_events")),
    )
    with op.batch_alter_table("imported_events", schema=None) as batch_op:
        batch_op.create_index("ix_imported_events_history_case_id", ["history", "case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("imported_events", schema=None) as batch_op:
        batch_op.drop_index("ix_imported_events_history_case_id")
    op.drop_table("imported_events")
    op.drop_table("imported_histories")
