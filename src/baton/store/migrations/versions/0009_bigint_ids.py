"""64-bit ids on PostgreSQL (SQLite's INTEGER PRIMARY KEY is 64-bit already)

Revision ID: 0009
Revises: 0008

Every id column still ``integer`` on PostgreSQL, primary or foreign, becomes ``bigint``,
and the sequences behind the primary keys count as far. PostgreSQL rewrites each table
it alters, holding it locked meanwhile: on a large database, run it in a quiet hour.
On SQLite there is nothing to do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# (table, column, nullable); foreign keys before the keys they point at
COLUMNS = (
    ("tickets", "customer_id", False),
    ("messages", "ticket_id", False),
    ("escalations", "ticket_id", False),
    ("ticket_events", "ticket_id", False),
    ("sla_timers", "ticket_id", False),
    ("knowledge_articles", "ticket_id", False),
    ("outbox", "ticket_id", False),
    ("notifications", "ticket_id", False),
    ("imported_events", "seq", False),
    ("customers", "id", False),
    ("tickets", "id", False),
    ("ticket_events", "id", False),
    ("api_tokens", "id", False),
    ("knowledge_articles", "id", False),
)
SEQUENCES = (("customers", "id"), ("tickets", "id"), ("ticket_events", "id"), ("api_tokens", "id"),
             ("knowledge_articles", "id"))  # fmt: skip


def _alter(to: sa.types.TypeEngine[int], was: sa.types.TypeEngine[int], sequence_type: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(table, column, type_=to, existing_type=was, existing_nullable=nullable)
    for table, column in SEQUENCES:
        op.execute(f"ALTER SEQUENCE {_sequence(table, column)} AS {sequence_type}")


def _sequence(table: str, column: str) -> str:
    name = op.get_bind().execute(sa.text(f"SELECT pg_get_serial_sequence('{table}', '{column}')")).scalar_one()
    return str(name)


def upgrade() -> None:
    _alter(sa.BigInteger(), sa.Integer(), "bigint")


def downgrade() -> None:
    _alter(sa.Integer(), sa.BigInteger(), "integer")
