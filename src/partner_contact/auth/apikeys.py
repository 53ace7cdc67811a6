"""Integration API keys for victim-service case systems: ``pc_<id>_<secret>``, shown once."""

from __future__ import annotations

import dataclasses
import re
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.auth.context import AuthContext
from partner_contact.auth.models import ApiKey
from partner_contact.auth.roles import Scope
from partner_contact.auth.secrets import digests_equal, keyed_digest
from partner_contact.errors import DomainError

_KEY_FORMAT = re.compile(r"^pc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_TOUCH_EVERY = timedelta(minutes=1)


@dataclasses.dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    plaintext: str


def _digest(ctx: AuthContext, secret: str) -> bytes:
    return keyed_digest(ctx.mac_key, "api-key:" + secret)


async def issue_api_key(
    session: AsyncSession,
    ctx: AuthContext,
    *,
    name: str,
    scopes: list[Scope],
    expires_at: datetime | None,
    created_by: uuid.UUID | None,
) -> IssuedKey:
    now = ctx.clock()
    if expires_at is not None and expires_at <= now:
        raise DomainError("expiry_in_past", "The expiry must be in the future", status=422)
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey(
        id=key_id,
        name=name,
        scopes=sorted({scope.value for scope in scopes}),
        secret_hash=_digest(ctx, secret),
        created_by=created_by,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(key)
    await session.flush()
    return IssuedKey(key=key, plaintext=f"pc_{key_id}_{secret}")


def looks_like_api_key(credential: str) -> bool:
    return credential.startswith("pc_")


async def resolve_api_key(ctx: AuthContext, credential: str) -> ApiKey | None:
    """The live key a credential names, or None (unknown, wrong secret, revoked, expired)."""
    match = _KEY_FORMAT.match(credential)
    if match is None:
        return None
    now = ctx.clock()
    async with ctx.session_maker.begin() as session:
        key = await session.get(ApiKey, match.group(1))
        if key is None or not digests_equal(key.secret_hash, _digest(ctx, match.group(2))):
            return None
        if key.revoked_at is not None or (key.expires_at is not None and now >= key.expires_at):
            return None
        if key.last_used_at is None or now - key.last_used_at >= _TOUCH_EVERY:
            key.last_used_at = now
        return key


async def list_api_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.scalars(select(ApiKey).order_by(ApiKey.created_at))).all())


async def revoke_api_key(session: AsyncSession, ctx: AuthContext, *, key_id: str) -> ApiKey:
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise DomainError("not_found", "No such API key", status=404)
    if key.revoked_at is None:
        key.revoked_at = ctx.clock()
    return key
