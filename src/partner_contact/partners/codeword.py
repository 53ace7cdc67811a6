"""The code word she chose, checked before anything is discussed on a call.

Only an argon2id hash is kept. Five wrong attempts in a row lock it until her worker
sets it again with her; every attempt is in the access log (its outcome, never the guess).
"""

from __future__ import annotations

import uuid
from typing import Final

from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.auth.passwords import hash_password, verify_password
from partner_contact.errors import DomainError
from partner_contact.partners.access import reachable_partner
from partner_contact.partners.context import Caller
from partner_contact.partners.schemas import CodeWordResult

MAX_FAILURES: Final = 5
_ACTION: Final = "partner.code_word_verify"


async def set_code_word(
    caller: Caller,
    session: AsyncSession,
    *,
    hasher: PasswordHasher,
    partner_id: uuid.UUID,
    code_word: str,
) -> None:
    """Set or replace the code word; this is also how a lock is lifted."""
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    partner.code_word_hash = await hash_password(hasher, code_word.strip())
    partner.code_word_failures = 0
    partner.code_word_locked_at = None
    partner.updated_at = caller.clock()
    await caller.log(
        session, action="partner.code_word_set", object_type="partner", object_id=partner.id
    )


async def verify_code_word(
    caller: Caller,
    session: AsyncSession,
    *,
    hasher: PasswordHasher,
    partner_id: uuid.UUID,
    attempt: str,
) -> CodeWordResult:
    partner = await reachable_partner(session, caller.principal, partner_id, for_update=True)
    if partner.code_word_hash is None:
        raise DomainError("no_code_word", "No code word has been set for her", status=409)
    if partner.code_word_locked_at is not None:
        await caller.log(
            session, action=_ACTION, object_type="partner", object_id=partner.id, outcome="denied"
        )
        # The refusal is an error response, which rolls back: keep its log entry.
        await session.commit()
        raise DomainError(
            "code_word_locked",
            "The code word is locked after too many wrong attempts",
            status=423,
            detail="Set it again with her to unlock it.",
        )
    matches = await verify_password(hasher, partner.code_word_hash, attempt.strip())
    if matches:
        partner.code_word_failures = 0
    else:
        partner.code_word_failures += 1
        if partner.code_word_failures >= MAX_FAILURES:
            partner.code_word_locked_at = caller.clock()
    await caller.log(
        session,
        action=_ACTION,
        object_type="partner",
        object_id=partner.id,
        outcome="succeeded" if matches else "failed",
    )
    return CodeWordResult(matches=matches, attempts_left=MAX_FAILURES - partner.code_word_failures)
