"""Data keys: per-record data-encryption keys, wrapped under a key-encryption key.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_key",
        sa.Column("kek_id", sa.String(length=64), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("destroyed_at", DateTimeUTC(timezone=True), nullable=True),
        # Column order as the model declares it (the mixin's id comes last).
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(wrapped IS NULL) = (destroyed_at IS NOT NULL)",
            name=op.f("ck_data_key_wrapped_until_destroyed"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_key")),
    )
    op.create_index(op.f("ix_data_key_kek_id"), "data_key", ["kek_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_data_key_kek_id"), table_name="data_key")
    op.drop_table("data_key")
