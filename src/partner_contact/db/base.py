"""Declarative base shared by every feature's models."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Explicit constraint names keep migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTimeUTC(timezone=True), uuid.UUID: Uuid()}


class UUIDPrimaryKey:
    """A UUID primary key made in Python before insert (encryption binds to it)."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


def import_all_models() -> None:
    """Import every feature's models so ``Base.metadata`` is complete."""
    # Features register their models here as they land.
    from partner_contact.assessments import models as _assessment_models  # noqa: F401
    from partner_contact.audit import models as _audit_models  # noqa: F401
    from partner_contact.auth import models as _auth_models  # noqa: F401
    from partner_contact.casesystems import models as _case_system_models  # noqa: F401
    from partner_contact.consent import models as _consent_models  # noqa: F401
    from partner_contact.crypto import models as _crypto_models  # noqa: F401
    from partner_contact.guidance import models as _guidance_models  # noqa: F401
    from partner_contact.messaging import models as _messaging_models  # noqa: F401
    from partner_contact.notes import models as _note_models  # noqa: F401
    from partner_contact.org import models as _org_models  # noqa: F401
    from partner_contact.outreach import models as _outreach_models  # noqa: F401
    from partner_contact.participants import models as _participant_models  # noqa: F401
    from partner_contact.partners import models as _partner_models  # noqa: F401
    from partner_contact.partners import presence as _presence_models  # noqa: F401
    from partner_contact.referrals import models as _referral_models  # noqa: F401
    from partner_contact.retention import models as _retention_models  # noqa: F401
    from partner_contact.risk import models as _risk_models  # noqa: F401
