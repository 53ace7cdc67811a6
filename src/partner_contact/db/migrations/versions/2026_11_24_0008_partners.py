"""Partners, programme events about him, and the tasks and alerts they raise.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("alias", sa.LargeBinary(), nullable=False),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("whatsapp", sa.LargeBinary(), nullable=True),
        sa.Column("email", sa.LargeBinary(), nullable=True),
        sa.Column("profile", sa.LargeBinary(), nullable=False),
        sa.Column("phone_index", sa.LargeBinary(length=16), nullable=True),
        sa.Column("email_index", sa.LargeBinary(length=16), nullable=True),
        sa.Column("may_name_org", sa.Boolean(), nullable=False),
        sa.Column("is_do_not_contact", sa.Boolean(), nullable=False),
        sa.Column("do_not_contact_reason", sa.String(length=32), nullable=True),
        sa.Column(
            "safe_contact_confirmed_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("safe_contact_confirmed_by", sa.Uuid(), nullable=True),
        sa.Column("code_word_hash", sa.String(length=255), nullable=True),
        sa.Column("code_word_failures", sa.Integer(), nullable=False),
        sa.Column(
            "code_word_locked_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff_user.id"], name=op.f("fk_partner_created_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_key.id"], name=op.f("fk_partner_data_key_id_data_key")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_partner_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_partner_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["safe_contact_confirmed_by"],
            ["staff_user.id"],
            name=op.f("fk_partner_safe_contact_confirmed_by_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner")),
    )
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_data_key_id"), ["data_key_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_partner_email_index"), ["email_index"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_partner_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_partner_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_partner_phone_index"), ["phone_index"], unique=False)
    op.create_table(
        "programme_event",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("is_threat_to_kill", sa.Boolean(), nullable=False),
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
            name=op.f("fk_programme_event_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_programme_event_participant_id_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["staff_user.id"],
            name=op.f("fk_programme_event_recorded_by_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_event")),
    )
    with op.batch_alter_table("programme_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_programme_event_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_programme_event_participant_id"), ["participant_id"], unique=False
        )
    op.create_table(
        "partner_alert",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "acknowledged_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["programme_event.id"],
            name=op.f("fk_partner_alert_event_id_programme_event"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_partner_alert_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_alert_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_alert")),
    )
    with op.batch_alter_table("partner_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_alert_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_partner_alert_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_partner_alert_partner_id"), ["partner_id"], unique=False
        )
    op.create_table(
        "partner_task",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "done_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("done_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["done_by"], ["staff_user.id"], name=op.f("fk_partner_task_done_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["programme_event.id"],
            name=op.f("fk_partner_task_event_id_programme_event"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_partner_task_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_task_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_task")),
    )
    with op.batch_alter_table("partner_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_task_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_partner_task_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_partner_task_partner_id"), ["partner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_task_partner_id"))
        batch_op.drop_index(batch_op.f("ix_partner_task_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_partner_task_event_id"))
    op.drop_table("partner_task")
    with op.batch_alter_table("partner_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_alert_partner_id"))
        batch_op.drop_index(batch_op.f("ix_partner_alert_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_partner_alert_event_id"))
    op.drop_table("partner_alert")
    with op.batch_alter_table("programme_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_event_participant_id"))
        batch_op.drop_index(batch_op.f("ix_programme_event_organisation_id"))
    op.drop_table("programme_event")
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_phone_index"))
        batch_op.drop_index(batch_op.f("ix_partner_participant_id"))
        batch_op.drop_index(batch_op.f("ix_partner_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_partner_email_index"))
        batch_op.drop_index(batch_op.f("ix_partner_data_key_id"))
    op.drop_table("partner")
