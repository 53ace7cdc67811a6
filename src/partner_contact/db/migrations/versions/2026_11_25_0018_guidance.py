"""Footprint and stalkerware guidance cards, and which cards each partner was given.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-25 05:00:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guidance_card",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff_user.id"], name=op.f("fk_guidance_card_created_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_guidance_card_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guidance_card")),
        sa.UniqueConstraint(
            "organisation_id",
            "topic",
            "platform",
            "locale",
            "version",
            name=op.f("uq_guidance_card_organisation_id_topic_platform_locale_version"),
        ),
    )
    with op.batch_alter_table("guidance_card", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guidance_card_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "guidance_given",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("outreach_id", sa.Uuid(), nullable=True),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("given_by", sa.Uuid(), nullable=False),
        sa.Column(
            "given_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["given_by"], ["staff_user.id"], name=op.f("fk_guidance_given_given_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_guidance_given_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["outreach_id"], ["outreach.id"], name=op.f("fk_guidance_given_outreach_id_outreach")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_guidance_given_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guidance_given")),
    )
    with op.batch_alter_table("guidance_given", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guidance_given_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_guidance_given_outreach_id"), ["outreach_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_guidance_given_partner_id"), ["partner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("guidance_given", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guidance_given_partner_id"))
        batch_op.drop_index(batch_op.f("ix_guidance_given_outreach_id"))
        batch_op.drop_index(batch_op.f("ix_guidance_given_organisation_id"))

    op.drop_table("guidance_given")
    with op.batch_alter_table("guidance_card", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guidance_card_organisation_id"))

    op.drop_table("guidance_card")
