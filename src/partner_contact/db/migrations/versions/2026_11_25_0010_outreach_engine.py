"""The outreach engine: outreaches and their events and timers, templates, the outbox,
inbound messages, the sandbox mailbox; opt-out and contact times on partners; alerts
that an outreach raises.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 01:21:43.662106
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_message",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.LargeBinary(), nullable=False),
        sa.Column("recipient_index", sa.LargeBinary(length=16), nullable=False),
        sa.Column("subject", sa.LargeBinary(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("provider_message_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_key.id"], name=op.f("fk_sandbox_message_data_key_id_data_key")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_message")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_sandbox_message_idempotency_key")),
        sa.UniqueConstraint(
            "provider_message_id", name=op.f("uq_sandbox_message_provider_message_id")
        ),
    )
    with op.batch_alter_table("sandbox_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sandbox_message_data_key_id"), ["data_key_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sandbox_message_recipient_index"), ["recipient_index"], unique=False
        )

    op.create_table(
        "message_template",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("names_org", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff_user.id"],
            name=op.f("fk_message_template_created_by_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_message_template_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_template")),
        sa.UniqueConstraint(
            "organisation_id",
            "kind",
            "channel",
            "language",
            "version",
            name=op.f("uq_message_template_organisation_id_kind_channel_language_version"),
        ),
    )
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_template_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "outreach",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("started_by", sa.Uuid(), nullable=False),
        sa.Column(
            "started_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("is_confirmed", sa.Boolean(), nullable=False),
        sa.Column("confirmed_by", sa.Uuid(), nullable=True),
        sa.Column(
            "confirmed_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("confirmation_reason", sa.LargeBinary(), nullable=True),
        sa.Column("has_follow_up", sa.Boolean(), nullable=False),
        sa.Column("is_code_word_verified", sa.Boolean(), nullable=False),
        sa.Column(
            "ended_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["staff_user.id"], name=op.f("fk_outreach_confirmed_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_outreach_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_outreach_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["started_by"], ["staff_user.id"], name=op.f("fk_outreach_started_by_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach")),
        sa.UniqueConstraint(
            "started_by", "idempotency_key", name=op.f("uq_outreach_started_by_idempotency_key")
        ),
    )
    with op.batch_alter_table("outreach", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outreach_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outreach_state"), ["state"], unique=False)

    op.create_table(
        "inbound_message",
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("outreach_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_message_id", sa.String(length=128), nullable=False),
        sa.Column("sender", sa.LargeBinary(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "received_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "read_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("read_by", sa.Uuid(), nullable=True),
        sa.Column(
            "body_purged_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_key.id"], name=op.f("fk_inbound_message_data_key_id_data_key")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_inbound_message_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["outreach_id"], ["outreach.id"], name=op.f("fk_inbound_message_outreach_id_outreach")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_inbound_message_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["read_by"], ["staff_user.id"], name=op.f("fk_inbound_message_read_by_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_message")),
        sa.UniqueConstraint(
            "provider",
            "provider_message_id",
            name=op.f("uq_inbound_message_provider_provider_message_id"),
        ),
    )
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_message_data_key_id"), ["data_key_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_message_outreach_id"), ["outreach_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_message_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "outbox_message",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("outreach_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.LargeBinary(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "due_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "lease_until", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=True),
        sa.Column("provider_message_id", sa.String(length=128), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "sent_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column(
            "status_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column(
            "body_purged_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_key.id"], name=op.f("fk_outbox_message_data_key_id_data_key")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_outbox_message_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["outreach_id"], ["outreach.id"], name=op.f("fk_outbox_message_outreach_id_outreach")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_outbox_message_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["message_template.id"],
            name=op.f("fk_outbox_message_template_id_message_template"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_message_idempotency_key")),
        sa.UniqueConstraint(
            "provider",
            "provider_message_id",
            name=op.f("uq_outbox_message_provider_provider_message_id"),
        ),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_message_data_key_id"), ["data_key_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_message_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_message_outreach_id"), ["outreach_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_message_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index("ix_outbox_message_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "outreach_event",
        sa.Column("outreach_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff_user.id"], name=op.f("fk_outreach_event_actor_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["outreach_id"], ["outreach.id"], name=op.f("fk_outreach_event_outreach_id_outreach")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_event")),
        sa.UniqueConstraint("outreach_id", "seq", name=op.f("uq_outreach_event_outreach_id_seq")),
    )
    with op.batch_alter_table("outreach_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_event_outreach_id"), ["outreach_id"], unique=False
        )

    op.create_table(
        "outreach_timer",
        sa.Column("outreach_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "due_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "fired_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column(
            "cancelled_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outreach_id"], ["outreach.id"], name=op.f("fk_outreach_timer_outreach_id_outreach")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_timer")),
    )
    with op.batch_alter_table("outreach_timer", schema=None) as batch_op:
        batch_op.create_index("ix_outreach_timer_due", ["fired_at", "due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outreach_timer_outreach_id"), ["outreach_id"], unique=False
        )

    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("whatsapp_index", sa.LargeBinary(length=16), nullable=True))
        batch_op.add_column(
            sa.Column(
                "opted_out_at",
                advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "start_received_at",
                advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "last_contact_at",
                advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
                nullable=True,
            )
        )
        batch_op.create_index(
            batch_op.f("ix_partner_whatsapp_index"), ["whatsapp_index"], unique=False
        )

    with op.batch_alter_table("partner_alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outreach_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column(
                "occurred_at",
                advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
                nullable=True,
            )
        )
        batch_op.alter_column("event_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_partner_alert_outreach_id"), ["outreach_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_partner_alert_outreach_id_outreach"), "outreach", ["outreach_id"], ["id"]
        )

    # Every alert so far came from a threat to kill, at the moment it was recorded.
    op.execute("UPDATE partner_alert SET kind = 'threat_to_kill', occurred_at = created_at")
    with op.batch_alter_table("partner_alert", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column(
            "occurred_at",
            existing_type=advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_alert", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_partner_alert_outreach_id_outreach"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_partner_alert_outreach_id"))
        batch_op.alter_column("event_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column("occurred_at")
        batch_op.drop_column("kind")
        batch_op.drop_column("outreach_id")

    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_whatsapp_index"))
        batch_op.drop_column("last_contact_at")
        batch_op.drop_column("start_received_at")
        batch_op.drop_column("opted_out_at")
        batch_op.drop_column("whatsapp_index")

    with op.batch_alter_table("outreach_timer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_timer_outreach_id"))
        batch_op.drop_index("ix_outreach_timer_due")

    op.drop_table("outreach_timer")
    with op.batch_alter_table("outreach_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_event_outreach_id"))

    op.drop_table("outreach_event")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_status_due_at")
        batch_op.drop_index(batch_op.f("ix_outbox_message_partner_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_outreach_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_data_key_id"))

    op.drop_table("outbox_message")
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_message_partner_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_message_outreach_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_message_data_key_id"))

    op.drop_table("inbound_message")
    with op.batch_alter_table("outreach", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_state"))
        batch_op.drop_index(batch_op.f("ix_outreach_partner_id"))
        batch_op.drop_index(batch_op.f("ix_outreach_organisation_id"))

    op.drop_table("outreach")
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_template_organisation_id"))

    op.drop_table("message_template")
    with op.batch_alter_table("sandbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_message_recipient_index"))
        batch_op.drop_index(batch_op.f("ix_sandbox_message_data_key_id"))

    op.drop_table("sandbox_message")
