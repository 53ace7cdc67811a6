"""Sealing a referral's fields under her data key, and building what a service receives.

The payload is built from her current record each time it is needed, so a detail she
changed since agreeing is sent as it is now, and a detail she removed is not sent.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.crypto.service import FieldCipher
from partner_contact.partners.models import Partner
from partner_contact.partners.service import open_record
from partner_contact.referrals.models import Referral
from partner_contact.referrals.schemas import ReferralPayload, SafeTimes, ShareField

TABLE: Final = "referral"


async def seal(
    cipher: FieldCipher,
    session: AsyncSession,
    *,
    partner: Partner,
    referral_id: uuid.UUID,
    column: str,
    plaintext: str,
) -> bytes:
    return await cipher.encrypt(
        session,
        data_key_id=partner.data_key_id,
        table=TABLE,
        column=column,
        record_id=referral_id,
        plaintext=plaintext,
    )


async def open_column(
    cipher: FieldCipher,
    session: AsyncSession,
    *,
    partner: Partner,
    referral: Referral,
    column: str,
) -> str | None:
    ciphertext: bytes | None = getattr(referral, column)
    if ciphertext is None:
        return None
    return await cipher.decrypt(
        session,
        data_key_id=partner.data_key_id,
        table=TABLE,
        column=column,
        record_id=referral.id,
        ciphertext=ciphertext,
    )


async def seal_share(
    cipher: FieldCipher,
    session: AsyncSession,
    *,
    partner: Partner,
    referral_id: uuid.UUID,
    share: frozenset[ShareField],
) -> bytes:
    ordered = sorted(share, key=list(ShareField).index)
    return await seal(
        cipher,
        session,
        partner=partner,
        referral_id=referral_id,
        column="share",
        plaintext=msgspec.json.encode(ordered).decode(),
    )


async def open_share(
    cipher: FieldCipher, session: AsyncSession, *, partner: Partner, referral: Referral
) -> list[ShareField]:
    """What she agreed may be shared; nothing beyond the referral itself until she agreed."""
    text = await open_column(cipher, session, partner=partner, referral=referral, column="share")
    return [] if text is None else msgspec.json.decode(text, type=list[ShareField])


async def build_payload(
    cipher: FieldCipher,
    session: AsyncSession,
    *,
    partner: Partner,
    referral: Referral,
    service_name: str,
    referred_at: datetime,
) -> ReferralPayload:
    """The referral itself plus exactly the fields she agreed to, from her current record."""
    share = set(await open_share(cipher, session, partner=partner, referral=referral))
    her = await open_record(cipher, session, partner)
    note = (
        await open_column(cipher, session, partner=partner, referral=referral, column="note")
        if ShareField.note in share
        else None
    )
    return ReferralPayload(
        reference=referral.id,
        service_id=referral.service_id,
        service_name=service_name,
        referred_on=referred_at.date(),
        language=her.profile.language,
        alias=her.alias if ShareField.alias in share else None,
        phone=her.phone if ShareField.phone in share else None,
        email=her.email if ShareField.email in share else None,
        safe_times=(
            SafeTimes(time_zone=her.profile.time_zone, windows=list(her.profile.safe_windows))
            if ShareField.safe_times in share
            else None
        ),
        note=note,
    )
