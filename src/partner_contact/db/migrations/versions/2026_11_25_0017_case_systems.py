"""Victim-service case systems and the durable queue of signed webhook deliveries.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-25 05:00:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(
        name, advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "case_system",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("webhook_url", sa.String(length=2048), nullable=False),
        sa.Column("service_ids", sa.JSON(), nullable=False),
        sa.Column("api_key_id", sa.String(length=16), nullable=True),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("signing_secret", sa.LargeBinary(), nullable=False),
        _utc("secret_rotated_at", nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        _utc("created_at", nullable=False),
        _utc("updated_at", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_case_system_api_key_id_api_key")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff_user.id"], name=op.f("fk_case_system_created_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"], ["data_key.id"], name=op.f("fk_case_system_data_key_id_data_key")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_case_system_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_system")),
        sa.UniqueConstraint(
            "organisation_id", "name", name=op.f("uq_case_system_organisation_id_name")
        ),
    )
    with op.batch_alter_table("case_system", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_system_api_key_id"), ["api_key_id"])
        batch_op.create_index(batch_op.f("ix_case_system_data_key_id"), ["data_key_id"])
        batch_op.create_index(batch_op.f("ix_case_system_organisation_id"), ["organisation_id"])

    op.create_table(
        "case_system_delivery",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("case_system_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("data_key_id", sa.Uuid(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("next_attempt_at", nullable=False),
        _utc("lease_until", nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error_code", sa.String(length=32), nullable=True),
        _utc("delivered_at", nullable=True),
        _utc("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["case_system_id"],
            ["case_system.id"],
            name=op.f("fk_case_system_delivery_case_system_id_case_system"),
        ),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_key.id"],
            name=op.f("fk_case_system_delivery_data_key_id_data_key"),
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_case_system_delivery")),
    )
    with op.batch_alter_table("case_system_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_system_delivery_case_system_id"), ["case_system_id"]
        )
        batch_op.create_index(batch_op.f("ix_case_system_delivery_data_key_id"), ["data_key_id"])
        batch_op.create_index(
            "ix_case_system_delivery_status_next_attempt_at", ["status", "next_attempt_at"]
        )
        batch_op.create_index(batch_op.f("ix_case_system_delivery_subject_id"), ["subject_id"])


def downgrade() -> None:
    op.drop_table("case_system_delivery")
    op.drop_table("case_system")
