"""Access log: entries sealed into a hash chain, and signed checkpoints of its head.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEALED_TOGETHER = (
    "(seq IS NULL AND prev_hash IS NULL AND entry_hash IS NULL AND sealed_at IS NULL) OR "
    "(seq IS NOT NULL AND prev_hash IS NOT NULL AND entry_hash IS NOT NULL "
    "AND sealed_at IS NOT NULL)"
)


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=True),
        sa.Column("entry_hash", sa.LargeBinary(), nullable=True),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "actor_kind IN ('user', 'api_key', 'system', 'anonymous')",
            name="ck_access_log_actor_kind",
        ),
        sa.CheckConstraint(
            "outcome IN ('allowed', 'denied', 'succeeded', 'failed')",
            name="ck_access_log_outcome",
        ),
        sa.CheckConstraint(_SEALED_TOGETHER, name="ck_access_log_sealed_together"),
        sa.PrimaryKeyConstraint("id", name="pk_access_log"),
        sa.UniqueConstraint("seq", name="uq_access_log_seq"),
    )
    op.create_index("ix_access_log_actor_id", "access_log", ["actor_id"])
    op.create_index("ix_access_log_action", "access_log", ["action"])
    op.create_index("ix_access_log_occurred_at_id", "access_log", ["occurred_at", "id"])
    op.create_index("ix_access_log_object", "access_log", ["object_type", "object_id"])
    op.create_index(
        "ix_access_log_unsealed",
        "access_log",
        ["occurred_at", "id"],
        postgresql_where=sa.text("seq IS NULL"),
        sqlite_where=sa.text("seq IS NULL"),
    )

    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoint"),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoint")
    op.drop_index("ix_access_log_unsealed", table_name="access_log")
    op.drop_index("ix_access_log_object", table_name="access_log")
    op.drop_index("ix_access_log_occurred_at_id", table_name="access_log")
    op.drop_index("ix_access_log_action", table_name="access_log")
    op.drop_index("ix_access_log_actor_id", table_name="access_log")
    op.drop_table("access_log")
