"""Recording, reading and withdrawing her consent decision; the current one per partner.

Every action reaches her record through ``reachable_partner`` (404 otherwise) and writes
its access-log entry in the same transaction. Her conditions are sealed under her data
key and opened only by :func:`list_consents`, a read logged with the purpose "call".
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import TypedDict

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.consent.models import ConsentRecord
from partner_contact.consent.schemas import (
    CONDITIONS_MAX_LENGTH,
    ConsentCreate,
    ConsentRead,
    ConsentSummary,
    Decision,
)
from partner_contact.errors import DomainError, FieldError
from partner_contact.partners.access import reachable_partner
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner

TABLE = "consent_record"


class _Common(TypedDict):
    id: uuid.UUID
    partner_id: uuid.UUID
    version: int
    decision: Decision
    has_conditions: bool
    review_after: date
    recorded_by: uuid.UUID
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: uuid.UUID | None
    is_current: bool


# Line breaks and tabs are the only control characters free text may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(
        "invalid_consent",
        "The consent decision is not valid",
        status=422,
        errors=[FieldError(field, message)],
    )


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def today(caller: Caller) -> date:
    """The app clock's day (UTC): review dates are compared with it."""
    return caller.clock().date()


def _check_review_after(review_after: date, *, today: date) -> date:
    if review_after <= today:
        raise _invalid("review_after", "The review date must be after today")
    if review_after > one_year_after(today):
        raise _invalid("review_after", "The review date must be at most a year ahead")
    return review_after


def _check_conditions(decision: Decision, conditions: str | None) -> str | None:
    if decision != Decision.permitted_with_conditions:
        if conditions is not None:
            raise _invalid(
                "conditions", "Conditions go only with the decision permitted_with_conditions"
            )
        return None
    text = (conditions or "").strip()
    if not text:
        raise _invalid("conditions", "Record the conditions she set")
    if len(text) > CONDITIONS_MAX_LENGTH:
        raise _invalid("conditions", f"At most {CONDITIONS_MAX_LENGTH} characters")
    if _CONTROL.search(text):
        raise _invalid("conditions", "Control characters are not allowed")
    return text


def _summary(record: ConsentRecord, *, is_current: bool) -> ConsentSummary:
    return ConsentSummary(**_common(record, is_current=is_current))


def _read(record: ConsentRecord, *, is_current: bool, conditions: str | None) -> ConsentRead:
    return ConsentRead(**_common(record, is_current=is_current), conditions=conditions)


def _common(record: ConsentRecord, *, is_current: bool) -> _Common:
    return {
        "id": record.id,
        "partner_id": record.partner_id,
        "version": record.version,
        "decision": Decision(record.decision),
        "has_conditions": record.conditions is not None,
        "review_after": record.review_after,
        "recorded_by": record.recorded_by,
        "recorded_at": record.recorded_at,
        "withdrawn_at": record.withdrawn_at,
        "withdrawn_by": record.withdrawn_by,
        "is_current": is_current,
    }


async def _latest(session: AsyncSession, partner_id: uuid.UUID) -> ConsentRecord | None:
    record: ConsentRecord | None = await session.scalar(
        select(ConsentRecord)
        .where(ConsentRecord.partner_id == partner_id)
        .order_by(ConsentRecord.version.desc())
        .limit(1)
    )
    return record


async def record_consent(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID, data: ConsentCreate
) -> ConsentSummary:
    """A new version of her decision; it supersedes the previous one at once."""
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    review_after = _check_review_after(data.review_after, today=today(caller))
    conditions = _check_conditions(data.decision, data.conditions)
    previous = await _latest(session, partner.id)
    record = ConsentRecord(
        id=uuid.uuid4(),
        organisation_id=partner.organisation_id,
        partner_id=partner.id,
        version=1 if previous is None else previous.version + 1,
        decision=data.decision.value,
        review_after=review_after,
        recorded_by=caller.principal.user_id,
        recorded_at=caller.clock(),
    )
    if conditions is not None:
        record.conditions = await caller.cipher.encrypt(
            session,
            data_key_id=partner.data_key_id,
            table=TABLE,
            column="conditions",
            record_id=record.id,
            plaintext=conditions,
        )
    session.add(record)
    await session.flush()
    await caller.log(session, action="consent.record", object_type=TABLE, object_id=record.id)
    return _summary(record, is_current=True)


async def list_consents(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID
) -> list[ConsentRead]:
    """Her decisions, newest first, conditions in the clear: a read logged for a call."""
    partner = await reachable_partner(session, caller.principal, partner_id)
    records: Sequence[ConsentRecord] = (
        await session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.partner_id == partner.id)
            .order_by(ConsentRecord.version.desc())
        )
    ).all()
    result = []
    for index, record in enumerate(records):
        conditions = (
            None
            if record.conditions is None
            else await caller.cipher.decrypt(
                session,
                data_key_id=partner.data_key_id,
                table=TABLE,
                column="conditions",
                record_id=record.id,
                ciphertext=record.conditions,
            )
        )
        result.append(_read(record, is_current=index == 0, conditions=conditions))
    await caller.log(
        session, action="consent.read", object_type="partner", object_id=partner.id, purpose="call"
    )
    return result


async def withdraw_consent(
    caller: Caller, session: AsyncSession, *, partner_id: uuid.UUID
) -> ConsentSummary:
    """She takes back her decision: the current version is withdrawn, effective at once."""
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    current = await _latest(session, partner.id)
    if current is None or current.withdrawn_at is not None:
        raise DomainError(
            "no_current_consent",
            "There is no current consent decision to withdraw",
            status=409,
        )
    current.withdrawn_at = caller.clock()
    current.withdrawn_by = caller.principal.user_id
    await session.flush()
    await caller.log(session, action="consent.withdraw", object_type=TABLE, object_id=current.id)
    return _summary(current, is_current=True)


async def current_consents(
    session: AsyncSession, *, participant_id: uuid.UUID
) -> dict[uuid.UUID, ConsentRecord]:
    """The newest decision of each partner of his case that has one, by partner id."""
    latest = (
        select(ConsentRecord.partner_id, func.max(ConsentRecord.version).label("version"))
        .join(Partner, Partner.id == ConsentRecord.partner_id)
        .where(Partner.participant_id == participant_id)
        .group_by(ConsentRecord.partner_id)
        .subquery()
    )
    records = (
        await session.scalars(
            select(ConsentRecord).join(
                latest,
                and_(
                    ConsentRecord.partner_id == latest.c.partner_id,
                    ConsentRecord.version == latest.c.version,
                ),
            )
        )
    ).all()
    return {record.partner_id: record for record in records}
