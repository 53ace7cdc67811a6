"""Versioned participant screenings.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column(
            "recorded_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column("living_situation", sa.String(length=32), nullable=False),
        sa.Column("children_count", sa.Integer(), nullable=False),
        sa.Column("children_ages", sa.JSON(), nullable=True),
        sa.Column("work", sa.String(length=16), nullable=False),
        sa.Column("working_hours", sa.JSON(), nullable=True),
        sa.Column("group_has_met", sa.Boolean(), nullable=False),
        sa.Column("previous_dv_arrests", sa.Boolean(), nullable=False),
        sa.Column("court_mandated", sa.Boolean(), nullable=False),
        sa.Column("substance_use", sa.Boolean(), nullable=False),
        sa.Column("severe_physical_violence", sa.Boolean(), nullable=False),
        sa.Column("coercive_control", sa.Boolean(), nullable=False),
        sa.Column("high_jealousy", sa.Boolean(), nullable=False),
        sa.Column("low_motivation", sa.Boolean(), nullable=False),
        sa.Column("denies_responsibility", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_screening_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_screening_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["staff_user.id"], name=op.f("fk_screening_recorded_by_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening")),
        sa.UniqueConstraint(
            "participant_id", "version", name=op.f("uq_screening_participant_id_version")
        ),
    )
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_screening_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_screening_recorded_by"), ["recorded_by"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_recorded_by"))
        batch_op.drop_index(batch_op.f("ix_screening_participant_id"))
        batch_op.drop_index(batch_op.f("ix_screening_organisation_id"))

    op.drop_table("screening")
