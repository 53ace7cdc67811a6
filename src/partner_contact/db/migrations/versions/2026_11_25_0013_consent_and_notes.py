"""Her consent decisions (versioned) and the notes that wait for later.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 02:50:03.706148
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent_record",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("conditions", sa.LargeBinary(), nullable=True),
        sa.Column("review_after", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column(
            "recorded_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "withdrawn_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("withdrawn_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_consent_record_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_consent_record_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["staff_user.id"],
            name=op.f("fk_consent_record_recorded_by_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"],
            ["staff_user.id"],
            name=op.f("fk_consent_record_withdrawn_by_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_record")),
        sa.UniqueConstraint(
            "partner_id", "version", name=op.f("uq_consent_record_partner_id_version")
        ),
    )
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_record_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consent_record_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "partner_note",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("text", sa.LargeBinary(), nullable=False),
        sa.Column("raise_when", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("addressed_by", sa.Uuid(), nullable=True),
        sa.Column(
            "addressed_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["addressed_by"],
            ["staff_user.id"],
            name=op.f("fk_partner_note_addressed_by_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff_user.id"], name=op.f("fk_partner_note_created_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_partner_note_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_note_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_note")),
    )
    with op.batch_alter_table("partner_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_note_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_partner_note_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_partner_note_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("partner_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_note_status"))
        batch_op.drop_index(batch_op.f("ix_partner_note_partner_id"))
        batch_op.drop_index(batch_op.f("ix_partner_note_organisation_id"))

    op.drop_table("partner_note")
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_record_partner_id"))
        batch_op.drop_index(batch_op.f("ix_consent_record_organisation_id"))

    op.drop_table("consent_record")
