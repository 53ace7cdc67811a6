"""Home-situation assessments: structured answers, sealed free text, correction chain.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 02:59:28.801736
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("outreach_id", sa.Uuid(), nullable=True),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("completed_by", sa.Uuid(), nullable=True),
        sa.Column(
            "completed_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("she_works", sa.String(length=16), server_default="not_asked", nullable=False),
        sa.Column("he_works", sa.String(length=16), server_default="not_asked", nullable=False),
        sa.Column(
            "financial_difficulties",
            sa.String(length=16),
            server_default="not_asked",
            nullable=False,
        ),
        sa.Column(
            "children_in_household",
            sa.String(length=16),
            server_default="not_asked",
            nullable=False,
        ),
        sa.Column(
            "childcare_going", sa.String(length=16), server_default="not_asked", nullable=False
        ),
        sa.Column(
            "children_affected_by_his_behaviour",
            sa.String(length=16),
            server_default="not_asked",
            nullable=False,
        ),
        sa.Column(
            "conflict_since_lockdown",
            sa.String(length=16),
            server_default="not_asked",
            nullable=False,
        ),
        sa.Column(
            "episodes_since_lockdown",
            sa.String(length=16),
            server_default="not_asked",
            nullable=False,
        ),
        sa.Column(
            "fears_new_episode", sa.String(length=16), server_default="not_asked", nullable=False
        ),
        sa.Column(
            "use_of_space_changed", sa.String(length=16), server_default="not_asked", nullable=False
        ),
        sa.Column("stress_level", sa.Integer(), nullable=True),
        sa.Column(
            "in_touch_with_support_service",
            sa.String(length=16),
            server_default="not_asked",
            nullable=False,
        ),
        sa.Column(
            "concerned_about_contact_with_him",
            sa.String(length=16),
            server_default="not_asked",
            nullable=False,
        ),
        sa.Column(
            "contact_could_endanger_her",
            sa.String(length=16),
            server_default="not_asked",
            nullable=False,
        ),
        sa.Column("free_text", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["completed_by"], ["staff_user.id"], name=op.f("fk_assessment_completed_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff_user.id"], name=op.f("fk_assessment_created_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_assessment_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["outreach_id"], ["outreach.id"], name=op.f("fk_assessment_outreach_id_outreach")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_assessment_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_supersedes_id_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_outreach_id"), ["outreach_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assessment_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_assessment_supersedes_id"), ["supersedes_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_supersedes_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_partner_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_outreach_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_organisation_id"))

    op.drop_table("assessment")
