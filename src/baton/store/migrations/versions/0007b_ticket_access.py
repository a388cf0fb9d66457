"""who sees what: the parties of each ticket, and drafts of public replies

Revision ID: 0007b
Revises: 0007
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0007b"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("drafts", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("draft_count", sa.Integer(), nullable=False, server_default="0"))
    parties = op.create_table(
        "ticket_parties",
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_parties_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("ticket_id", "kind", "name", name=op.f("pk_ticket_parties")),
    )
    op.create_index("ix_ticket_parties_kind_name", "ticket_parties", ["kind", "name"])
    _name_existing_parties(parties)


def _name_existing_parties(parties: sa.Table) -> None:
    """Everyone already named on each ticket (as ``baton.core.policy.parties`` names them)."""
    conn = op.get_bind()
    named: dict[int, set[tuple[str, str]]] = {}
    tickets = conn.execute(
        sa.text(
            "SELECT id, original_agent, accountable_agent, responsible_agent, responsible_role, consulted, informed "
            "FROM tickets"
        )
    )
    for row in tickets:
        found = named.setdefault(row.id, set())
        for agent in (row.original_agent, row.accountable_agent, row.responsible_agent):
            found.add(("agent", agent))
        found.add(("role", row.responsible_role))
        for column in (row.consulted, row.informed):
            values = column if isinstance(column, list) else json.loads(column or "[]")
            for participant in values:
                if participant.get("agent"):
                    found.add(("agent", participant["agent"]))
                if participant.get("role"):
                    found.add(("role", participant["role"]))
    escalations = conn.execute(
        sa.text("SELECT ticket_id, from_agent, to_agent, requested_by, from_role, to_role FROM escalations")
    )
    for row in escalations:
        found = named.setdefault(row.ticket_id, set())
        found.update({("agent", row.from_agent), ("agent", row.to_agent), ("agent", row.requested_by)})
        found.update({("role", row.from_role), ("role", row.to_role)})
    rows = [
        {"ticket_id": ticket_id, "kind": kind, "name": name}
        for ticket_id, found in sorted(named.items())
        for kind, name in sorted(found)
        if name
    ]
    if rows:
        op.bulk_insert(parties, rows)


def downgrade() -> None:
    op.drop_index("ix_ticket_parties_kind_name", table_name="ticket_parties")
    op.drop_table("ticket_parties")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("draft_count")
        batch_op.drop_column("drafts")
