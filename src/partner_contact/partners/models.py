"""Partners, programme events about him, the tasks they raise for her worker, and alerts.

Everything about her that no query needs is sealed under the partner's data key; only
flags the service filters on (do-not-contact, code-word lock) stay in plain columns.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.crypto.models import ProtectedRecord
from partner_contact.db.base import Base, UUIDPrimaryKey

BLIND_INDEX_BYTES = 16


class Partner(UUIDPrimaryKey, ProtectedRecord, Base):
    __tablename__ = "partner"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant.id"), index=True)
    # Ciphertexts (table "partner", column = attribute name, record id = partner id).
    alias: Mapped[bytes] = mapped_column(LargeBinary)
    phone: Mapped[bytes | None] = mapped_column(LargeBinary)
    whatsapp: Mapped[bytes | None] = mapped_column(LargeBinary)
    email: Mapped[bytes | None] = mapped_column(LargeBinary)
    # JSON of PartnerProfile: language, zone, windows, channels, relationship, safe-contact.
    profile: Mapped[bytes] = mapped_column(LargeBinary)
    # Blind indexes: the one way to find her by an inbound number or address.
    phone_index: Mapped[bytes | None] = mapped_column(LargeBinary(BLIND_INDEX_BYTES), index=True)
    email_index: Mapped[bytes | None] = mapped_column(LargeBinary(BLIND_INDEX_BYTES), index=True)
    whatsapp_index: Mapped[bytes | None] = mapped_column(LargeBinary(BLIND_INDEX_BYTES), index=True)
    may_name_org: Mapped[bool] = mapped_column(Boolean, default=False)
    is_do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_contact_reason: Mapped[str | None] = mapped_column(String(32))
    safe_contact_confirmed_at: Mapped[datetime | None]
    safe_contact_confirmed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    # She said stop: no message on any channel, whatever a worker does, until she
    # writes START and a worker confirms it.
    opted_out_at: Mapped[datetime | None]
    start_received_at: Mapped[datetime | None]
    # Her last reply or a call with her; a message sent or a voicemail is not a contact.
    last_contact_at: Mapped[datetime | None]
    code_word_hash: Mapped[str | None] = mapped_column(String(255))
    code_word_failures: Mapped[int] = mapped_column(Integer, default=0)
    code_word_locked_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Her case was closed (retention/): erased by the purge once the retention ends.
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    close_reason: Mapped[str | None] = mapped_column(String(32))
    # Erased: her data key is destroyed and no route reaches her any more.
    erased_at: Mapped[datetime | None]
    erased_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))


class ProgrammeEvent(UUIDPrimaryKey, Base):
    """Something about him, recorded by his facilitator; holds no free text."""

    __tablename__ = "programme_event"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    is_threat_to_kill: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime]


class PartnerTask(UUIDPrimaryKey, Base):
    """Work for her worker raised by a programme event; invisible to the facilitator."""

    __tablename__ = "partner_task"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_event.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))


class PartnerAlert(UUIDPrimaryKey, Base):
    """An urgent signal for whoever is on duty: a threat to kill, or her reply asking for a call.

    Raised by a programme event or by the outreach protocol, never both.
    """

    __tablename__ = "partner_alert"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("programme_event.id"), index=True)
    outreach_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outreach.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    # When what it is about happened (her reply), so the alert can say how long ago.
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
