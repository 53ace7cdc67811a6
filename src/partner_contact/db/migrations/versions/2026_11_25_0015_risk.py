"""Her own view of her risk, the risk checklist and multi-agency referral proposals.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 05:00:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_checklist",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("bands", sa.JSON(), nullable=False),
        sa.Column("loaded_by", sa.Uuid(), nullable=False),
        sa.Column(
            "loaded_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "superseded_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loaded_by"], ["staff_user.id"], name=op.f("fk_risk_checklist_loaded_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_risk_checklist_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_checklist")),
    )
    with op.batch_alter_table("risk_checklist", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_checklist_organisation_id"), ["organisation_id"], unique=False
        )
    op.create_table(
        "risk_referral_proposal",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("proposed_by", sa.Uuid(), nullable=False),
        sa.Column(
            "proposed_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column("her_consent", sa.String(length=16), nullable=False),
        sa.Column("she_was_told", sa.Boolean(), nullable=False),
        sa.Column("decision_note", sa.LargeBinary(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column(
            "decided_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("without_consent_reason", sa.LargeBinary(), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column(
            "closed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by"],
            ["staff_user.id"],
            name=op.f("fk_risk_referral_proposal_closed_by_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["staff_user.id"],
            name=op.f("fk_risk_referral_proposal_decided_by_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_risk_referral_proposal_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_risk_referral_proposal_partner_id_partner"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["staff_user.id"],
            name=op.f("fk_risk_referral_proposal_proposed_by_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_referral_proposal")),
    )
    with op.batch_alter_table("risk_referral_proposal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_referral_proposal_organisation_id"),
            ["organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_risk_referral_proposal_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_referral_proposal_status"), ["status"], unique=False
        )
    op.create_table(
        "risk_trigger",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column(
            "recorded_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_risk_trigger_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_risk_trigger_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["staff_user.id"], name=op.f("fk_risk_trigger_recorded_by_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_trigger")),
    )
    with op.batch_alter_table("risk_trigger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_trigger_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_trigger_partner_id"), ["partner_id"], unique=False
        )
    op.create_table(
        "risk_checklist_record",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("checklist_id", sa.Uuid(), nullable=False),
        sa.Column("outreach_id", sa.Uuid(), nullable=True),
        sa.Column("answers", sa.LargeBinary(), nullable=False),
        sa.Column("yes_count", sa.Integer(), nullable=False),
        sa.Column("computed_band", sa.String(length=32), nullable=False),
        sa.Column("worker_judgement", sa.String(length=32), nullable=True),
        sa.Column("judgement_reason", sa.LargeBinary(), nullable=True),
        sa.Column("final_band", sa.String(length=32), nullable=False),
        sa.Column("may_share", sa.Boolean(), nullable=False),
        sa.Column("referral_proposal_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column(
            "recorded_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checklist_id"],
            ["risk_checklist.id"],
            name=op.f("fk_risk_checklist_record_checklist_id_risk_checklist"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_risk_checklist_record_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["outreach_id"],
            ["outreach.id"],
            name=op.f("fk_risk_checklist_record_outreach_id_outreach"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_risk_checklist_record_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["staff_user.id"],
            name=op.f("fk_risk_checklist_record_recorded_by_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_proposal_id"],
            ["risk_referral_proposal.id"],
            name=op.f("fk_risk_checklist_record_referral_proposal_id_risk_referral_proposal"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_checklist_record")),
    )
    with op.batch_alter_table("risk_checklist_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_checklist_record_checklist_id"), ["checklist_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_checklist_record_organisation_id"),
            ["organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_risk_checklist_record_outreach_id"), ["outreach_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_checklist_record_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_checklist_record_referral_proposal_id"),
            ["referral_proposal_id"],
            unique=False,
        )
    op.create_table(
        "risk_her_view",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("outreach_id", sa.Uuid(), nullable=True),
        sa.Column("scale", sa.Integer(), nullable=False),
        sa.Column("words", sa.LargeBinary(), nullable=True),
        sa.Column("may_share", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column(
            "recorded_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_risk_her_view_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["outreach_id"], ["outreach.id"], name=op.f("fk_risk_her_view_outreach_id_outreach")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_risk_her_view_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["staff_user.id"], name=op.f("fk_risk_her_view_recorded_by_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_her_view")),
    )
    with op.batch_alter_table("risk_her_view", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_her_view_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_her_view_outreach_id"), ["outreach_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_her_view_partner_id"), ["partner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("risk_her_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_her_view_partner_id"))
        batch_op.drop_index(batch_op.f("ix_risk_her_view_outreach_id"))
        batch_op.drop_index(batch_op.f("ix_risk_her_view_organisation_id"))
    op.drop_table("risk_her_view")
    with op.batch_alter_table("risk_checklist_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_checklist_record_referral_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_risk_checklist_record_partner_id"))
        batch_op.drop_index(batch_op.f("ix_risk_checklist_record_outreach_id"))
        batch_op.drop_index(batch_op.f("ix_risk_checklist_record_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_risk_checklist_record_checklist_id"))
    op.drop_table("risk_checklist_record")
    with op.batch_alter_table("risk_trigger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_trigger_partner_id"))
        batch_op.drop_index(batch_op.f("ix_risk_trigger_organisation_id"))
    op.drop_table("risk_trigger")
    with op.batch_alter_table("risk_referral_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_referral_proposal_status"))
        batch_op.drop_index(batch_op.f("ix_risk_referral_proposal_partner_id"))
        batch_op.drop_index(batch_op.f("ix_risk_referral_proposal_organisation_id"))
    op.drop_table("risk_referral_proposal")
    with op.batch_alter_table("risk_checklist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_checklist_organisation_id"))
    op.drop_table("risk_checklist")
