"""Crisis situation history, areas with their confirmed facts, and the services directory.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "area",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_area_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_area_organisation_id_name")),
    )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_area_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "area_fact_confirmation",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("fact", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=10), nullable=False),
        sa.Column("confirmed_by", sa.Uuid(), nullable=False),
        sa.Column(
            "confirmed_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_area_fact_confirmation_area_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["staff_user.id"],
            name=op.f("fk_area_fact_confirmation_confirmed_by_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_area_fact_confirmation_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_fact_confirmation")),
        sa.UniqueConstraint(
            "area_id",
            "fact",
            "version",
            name=op.f("uq_area_fact_confirmation_area_id_fact_version"),
        ),
    )
    with op.batch_alter_table("area_fact_confirmation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_area_fact_confirmation_area_id"), ["area_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_area_fact_confirmation_confirmed_by"), ["confirmed_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_area_fact_confirmation_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "org_situation",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("lockdown_date", sa.Date(), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column(
            "recorded_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 4", name=op.f("ck_org_situation_level_range")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_org_situation_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["staff_user.id"], name=op.f("fk_org_situation_recorded_by_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_situation")),
        sa.UniqueConstraint(
            "organisation_id", "version", name=op.f("uq_org_situation_organisation_id_version")
        ),
    )
    with op.batch_alter_table("org_situation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_org_situation_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_org_situation_recorded_by"), ["recorded_by"], unique=False
        )

    op.create_table(
        "support_service",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("accessibility_notes", sa.Text(), nullable=True),
        sa.Column("is_operating_now", sa.Boolean(), nullable=False),
        sa.Column(
            "operating_confirmed_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column("operating_confirmed_by", sa.Uuid(), nullable=False),
        sa.Column("accepts_self_referral", sa.Boolean(), nullable=False),
        sa.Column("accepts_agency_referral", sa.Boolean(), nullable=False),
        sa.Column("referral_endpoint", sa.String(length=2048), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_support_service_area_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["operating_confirmed_by"],
            ["staff_user.id"],
            name=op.f("fk_support_service_operating_confirmed_by_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_support_service_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_service")),
        sa.UniqueConstraint(
            "organisation_id",
            "area_id",
            "name",
            name=op.f("uq_support_service_organisation_id_area_id_name"),
        ),
    )
    with op.batch_alter_table("support_service", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_service_area_id"), ["area_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_support_service_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_support_service_organisation_id_name_id",
            ["organisation_id", "name", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("support_service", schema=None) as batch_op:
        batch_op.drop_index("ix_support_service_organisation_id_name_id")
        batch_op.drop_index(batch_op.f("ix_support_service_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_support_service_area_id"))

    op.drop_table("support_service")
    with op.batch_alter_table("org_situation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_situation_recorded_by"))
        batch_op.drop_index(batch_op.f("ix_org_situation_organisation_id"))

    op.drop_table("org_situation")
    with op.batch_alter_table("area_fact_confirmation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_fact_confirmation_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_area_fact_confirmation_confirmed_by"))
        batch_op.drop_index(batch_op.f("ix_area_fact_confirmation_area_id"))

    op.drop_table("area_fact_confirmation")
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_organisation_id"))

    op.drop_table("area")
