"""Retention purges, erasure of a partner on request, and erasure reports.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-25 05:00:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(
        name, advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    with op.batch_alter_table("partner") as batch_op:
        batch_op.add_column(_instant("closed_at", nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("close_reason", sa.String(length=32), nullable=True))
        batch_op.add_column(_instant("erased_at", nullable=True))
        batch_op.add_column(sa.Column("erased_by", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_partner_closed_at"), ["closed_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_closed_by_staff_user"), "staff_user", ["closed_by"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_erased_by_staff_user"), "staff_user", ["erased_by"], ["id"]
        )
    op.create_table(
        "purge_run",
        _instant("started_at", nullable=False),
        _instant("finished_at", nullable=True),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purge_run")),
    )
    with op.batch_alter_table("purge_run") as batch_op:
        batch_op.create_index(batch_op.f("ix_purge_run_started_at"), ["started_at"], unique=False)
    op.create_table(
        "erasure_report",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        _instant("erased_at", nullable=False),
        sa.Column("erased_by", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["erased_by"], ["staff_user.id"], name=op.f("fk_erasure_report_erased_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_erasure_report_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_report")),
        sa.UniqueConstraint("partner_id", name=op.f("uq_erasure_report_partner_id")),
    )
    with op.batch_alter_table("erasure_report") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erasure_report_erased_at"), ["erased_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erasure_report_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("erasure_report")
    op.drop_table("purge_run")
    with op.batch_alter_table("partner") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_partner_erased_by_staff_user"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_partner_closed_by_staff_user"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_partner_closed_at"))
        batch_op.drop_column("erased_by")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("close_reason")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closed_at")
