"""The organisation and programme participants.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "organisation",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
    )
    op.create_table(
        "participant",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("group_name", sa.String(length=100), nullable=True),
        sa.Column("facilitator_id", sa.Uuid(), nullable=True),
        sa.Column("partner_worker_id", sa.Uuid(), nullable=True),
        sa.Column("partner_team_id", sa.Uuid(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("email", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_key.id"], name=op.f("fk_participant_data_key_id_data_key")
        ),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["staff_user.id"],
            name=op.f("fk_participant_facilitator_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_participant_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_team_id"], ["team.id"], name=op.f("fk_participant_partner_team_id_team")
        ),
        sa.ForeignKeyConstraint(
            ["partner_worker_id"],
            ["staff_user.id"],
            name=op.f("fk_participant_partner_worker_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant")),
        sa.UniqueConstraint(
            "organisation_id", "reference", name=op.f("uq_participant_organisation_id_reference")
        ),
    )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_data_key_id"), ["data_key_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_facilitator_id"), ["facilitator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_partner_team_id"), ["partner_team_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participant_partner_worker_id"), ["partner_worker_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_partner_worker_id"))
        batch_op.drop_index(batch_op.f("ix_participant_partner_team_id"))
        batch_op.drop_index(batch_op.f("ix_participant_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_participant_facilitator_id"))
        batch_op.drop_index(batch_op.f("ix_participant_data_key_id"))

    op.drop_table("participant")
    op.drop_table("organisation")
