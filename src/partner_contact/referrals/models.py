"""Tables of the referrals feature.

What she agreed may be shared, the note for the service and the service's own case
reference are sealed under her (the partner's) data key: table ``referral``, column =
attribute name, record id = the referral's id. Erasing her shreds them with her record.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from partner_contact.db.base import Base, UUIDPrimaryKey


class Referral(UUIDPrimaryKey, Base):
    """A referral of her to one women's support service, from proposal to closing."""

    __tablename__ = "referral"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner.id"), index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_service.id"), index=True)
    # "proposed" | "agreed" | "sent" | "acknowledged" | "closed"
    status: Mapped[str] = mapped_column(String(16), index=True)
    # With "closed" only: "declined_by_her" | "withdrawn" | "completed" | "service_unavailable"
    outcome: Mapped[str | None] = mapped_column(String(32))
    # Ciphertexts: a message for the service written with her, and the JSON list of
    # what she agreed may be shared (set together with her agreement).
    note: Mapped[bytes | None] = mapped_column(LargeBinary)
    share: Mapped[bytes | None] = mapped_column(LargeBinary)
    she_agreed: Mapped[bool | None] = mapped_column(Boolean)
    agreement_recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    agreement_recorded_at: Mapped[datetime | None]
    # "case_system" (queued to the service's case system) | "manual" (her worker passed it on)
    delivery: Mapped[str | None] = mapped_column(String(16))
    # The case system it was queued to. No foreign key: case systems are a later
    # migration's table, and a referral outlives the case system's configuration.
    case_system_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    sent_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None]
    # Ciphertext: the service's own case reference, given with its acknowledgement.
    service_reference: Mapped[bytes | None] = mapped_column(LargeBinary)
    # How the service was told of a withdrawal: "case_system" | "manual"; None otherwise.
    withdrawal_delivery: Mapped[str | None] = mapped_column(String(16))
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_user.id"))
    closed_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime]
