"""Her consent to share, per disclosure: notes and assessments (default not shared).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-25 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partner_note") as batch_op:
        batch_op.add_column(
            sa.Column("may_share", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("assessment") as batch_op:
        batch_op.add_column(sa.Column("may_share", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("assessment") as batch_op:
        batch_op.drop_column("may_share")
    with op.batch_alter_table("partner_note") as batch_op:
        batch_op.drop_column("may_share")
