"""API tokens held by agents or integrations, with a scope, an expiry and their last use;
web sessions apart from tokens; failed sign-ins and bearer tokens per client address

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # tokens issued before keep working as the agent tokens they were, and never expire
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_tokens_agent_agents"), type_="foreignkey")
        batch_op.alter_column("agent", new_column_name="holder", existing_type=sa.String(length=64), nullable=False)
        batch_op.add_column(sa.Column("scope", sa.String(length=16), nullable=False, server_default="agent"))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_api_tokens_holder", ["holder"], unique=False)
    op.create_table(
        "web_sessions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("token_id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("address", sa.String(length=64), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["agent"], ["agents.name"], name=op.f("fk_web_sessions_agent_agents")),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], name=op.f("fk_web_sessions_token_id_api_tokens")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_web_sessions_secret_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_web_sessions_token_id", ["token_id"], unique=False)
        batch_op.create_index("ix_web_sessions_expires_at", ["expires_at"], unique=False)
    op.create_table(
        "auth_failures",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_failures")),
    )
    with op.batch_alter_table("auth_failures", schema=None) as batch_op:
        batch_op.create_index("ix_auth_failures_address_at", ["address", "at"], unique=False)
        batch_op.create_index("ix_auth_failures_at", ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("auth_failures")
    op.drop_table("web_sessions")
    # integration tokens have no agent to go back to: they go
    op.execute("DELETE FROM api_tokens WHERE scope = 'integration'")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_api_tokens_holder")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")
        batch_op.alter_column("holder", new_column_name="agent", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_api_tokens_agent_agents"), "agents", ["agent"], ["name"])
