"""Who acknowledged a partner alert.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partner_alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_by", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_alert_acknowledged_by_staff_user"),
            "staff_user",
            ["acknowledged_by"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_alert", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_partner_alert_acknowledged_by_staff_user"), type_="foreignkey"
        )
        batch_op.drop_column("acknowledged_by")
