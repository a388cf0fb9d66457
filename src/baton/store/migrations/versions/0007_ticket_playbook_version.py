"""tickets keep the playbook version they were opened under

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("playbook_version", sa.String(length=64), nullable=True))
    # a ticket already there is governed by the version its opening was recorded under
    op.execute(
        "UPDATE tickets SET playbook_version = (SELECT e.playbook_version FROM ticket_events e "
        "WHERE e.ticket_id = tickets.id AND e.seq = 1)"
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.alter_column("playbook_version", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_playbook_version_playbook_versions"),
            "playbook_versions",
            ["playbook_version"],
            ["version"],
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tickets_playbook_version_playbook_versions"), type_="foreignkey")
        batch_op.drop_column("playbook_version")
