"""Referrals to women's services, with what she agreed may be shared.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 05:00:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(
        name, advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=nullable
    )


def _staff_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["staff_user.id"], name=op.f(f"fk_referral_{column}_staff_user")
    )


_INDEXED = ("case_system_id", "organisation_id", "partner_id", "sent_at", "service_id", "status")


def upgrade() -> None:
    op.create_table(
        "referral",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("share", sa.LargeBinary(), nullable=True),
        sa.Column("she_agreed", sa.Boolean(), nullable=True),
        sa.Column("agreement_recorded_by", sa.Uuid(), nullable=True),
        _utc("agreement_recorded_at", nullable=True),
        sa.Column("delivery", sa.String(length=16), nullable=True),
        sa.Column("case_system_id", sa.Uuid(), nullable=True),
        sa.Column("sent_by", sa.Uuid(), nullable=True),
        _utc("sent_at", nullable=True),
        _utc("acknowledged_at", nullable=True),
        sa.Column("service_reference", sa.LargeBinary(), nullable=True),
        sa.Column("withdrawal_delivery", sa.String(length=16), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        _utc("closed_at", nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        _utc("created_at", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_referral_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_referral_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["support_service.id"],
            name=op.f("fk_referral_service_id_support_service"),
        ),
        _staff_fk("agreement_recorded_by"),
        _staff_fk("sent_by"),
        _staff_fk("closed_by"),
        _staff_fk("created_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        for column in _INDEXED:
            batch_op.create_index(batch_op.f(f"ix_referral_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        for column in reversed(_INDEXED):
            batch_op.drop_index(batch_op.f(f"ix_referral_{column}"))

    op.drop_table("referral")
