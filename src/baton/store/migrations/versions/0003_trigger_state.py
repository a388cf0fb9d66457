"""trigger state on tickets: customer sentiment, last progress, rules fired

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sentiments", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("last_customer_message", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("last_progress_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rules_fired", sa.JSON(), server_default="[]", nullable=False))
    op.execute("UPDATE tickets SET last_progress_at = updated_at")


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("rules_fired")
        batch_op.drop_column("last_progress_at")
        batch_op.drop_column("last_customer_message")
        batch_op.drop_column("sentiments")
