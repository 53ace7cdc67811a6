"""Sealing what is said or recorded about her under her data key, and opening it again.

Associated data binds each ciphertext to its table, column and record id, so a value
copied into another row or column does not open.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.errors import DomainError, FieldError
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner

# Line breaks and tabs are the only control characters free text may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def invalid(code: str, field: str, message: str) -> DomainError:
    return DomainError(
        code, "The request is not valid", status=422, errors=[FieldError(field, message)]
    )


def clean_text(code: str, field: str, raw: str | None) -> str | None:
    """Trimmed text, ``None`` for nothing; blank or control characters are refused."""
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        raise invalid(code, field, "Must not be blank; leave it out instead")
    if _CONTROL.search(text):
        raise invalid(code, field, "Control characters are not allowed")
    return text


async def seal(
    caller: Caller,
    session: AsyncSession,
    partner: Partner,
    *,
    table: str,
    column: str,
    record_id: uuid.UUID,
    plaintext: str | None,
) -> bytes | None:
    if plaintext is None:
        return None
    return await caller.cipher.encrypt(
        session,
        data_key_id=partner.data_key_id,
        table=table,
        column=column,
        record_id=record_id,
        plaintext=plaintext,
    )


async def unseal(
    caller: Caller,
    session: AsyncSession,
    partner: Partner,
    *,
    table: str,
    column: str,
    record_id: uuid.UUID,
    ciphertext: bytes | None,
) -> str | None:
    if ciphertext is None:
        return None
    return await caller.cipher.decrypt(
        session,
        data_key_id=partner.data_key_id,
        table=table,
        column=column,
        record_id=record_id,
        ciphertext=ciphertext,
    )
