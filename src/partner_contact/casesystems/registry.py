"""Registering case systems: admins add, change, enable and re-key them.

Nothing here reads partner content. A signing secret is sealed under the case system's
own data key and returned in the clear only by :func:`register` and :func:`rotate_secret`.
Writes lock the organisation row first, so two admins cannot both give one service to
two enabled systems.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.auth.models import ApiKey
from partner_contact.casesystems.models import CaseSystem, CaseSystemDelivery
from partner_contact.casesystems.schemas import (
    CaseSystemCreate,
    CaseSystemUpdate,
    DeliveryStatus,
)
from partner_contact.casesystems.signing import new_secret
from partner_contact.crypto.service import FieldCipher
from partner_contact.errors import DomainError, FieldError
from partner_contact.org.models import Organisation, SupportService

TABLE: Final = "case_system"
_LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})


def _invalid(errors: list[FieldError]) -> DomainError:
    return DomainError(
        "invalid_case_system", "The case system is not valid", status=422, errors=errors
    )


def webhook_url_errors(url: str) -> list[FieldError]:
    """Events carry personal data: https only, except to a receiver on this machine."""
    field = "webhook_url"
    if " " in url or _has_control(url):
        return [FieldError(field, "must not contain spaces or control characters")]
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # a malformed port raises here
        # Built as the worker builds its POST: a host httpx cannot handle (a malformed IDNA
        # label) would otherwise fail every attempt without a single request being made.
        httpx.Request("POST", url)
    except (httpx.InvalidURL, ValueError):  # idna's errors are ValueErrors too
        return [FieldError(field, "not a valid URL")]
    if parts.scheme not in ("https", "http") or not host:
        return [FieldError(field, "must be an absolute https:// URL")]
    if parts.scheme == "http" and host not in _LOOPBACK:
        return [FieldError(field, "http:// is allowed only to 127.0.0.1, localhost or ::1")]
    if "@" in parts.netloc:
        return [FieldError(field, "must not carry credentials")]
    if "#" in url:
        return [FieldError(field, "must not have a fragment")]
    return []


def _has_control(text: str) -> bool:
    """Control characters, or any white space but the plain space (names are one line)."""
    return any(
        unicodedata.category(char) in ("Cc", "Cs") or (char.isspace() and char != " ")
        for char in text
    )


def _name_errors(name: str) -> list[FieldError]:
    if not name.strip():
        return [FieldError("name", "must not be blank")]
    if _has_control(name):
        return [FieldError("name", "must be one line without control characters")]
    return []


async def _lock_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> None:
    await session.scalar(
        select(Organisation.id).where(Organisation.id == organisation_id).with_for_update()
    )


async def _service_errors(
    session: AsyncSession, organisation_id: uuid.UUID, service_ids: Sequence[uuid.UUID]
) -> list[FieldError]:
    if len(set(service_ids)) != len(service_ids):
        return [FieldError("service_ids", "lists a service twice")]
    found = set(
        (
            await session.scalars(
                select(SupportService.id).where(
                    SupportService.organisation_id == organisation_id,
                    SupportService.id.in_(service_ids),
                )
            )
        ).all()
    )
    if found != set(service_ids):
        return [FieldError("service_ids", "names a service that is not in the directory")]
    return []


async def _api_key_errors(
    session: AsyncSession, api_key_id: str, now: datetime
) -> list[FieldError]:
    key = await session.get(ApiKey, api_key_id)
    if (
        key is None
        or key.revoked_at is not None
        or (key.expires_at is not None and key.expires_at <= now)
    ):
        return [FieldError("api_key_id", "names no live API key")]
    if not any(scope.startswith("referrals:") for scope in key.scopes):
        return [FieldError("api_key_id", "the key holds no referrals scope")]
    return []


async def _check_unique(session: AsyncSession, system: CaseSystem) -> None:
    """Names are unique; a service or a key belongs to at most one enabled system."""
    others = (
        await session.scalars(
            select(CaseSystem).where(
                CaseSystem.organisation_id == system.organisation_id, CaseSystem.id != system.id
            )
        )
    ).all()
    if any(other.name == system.name for other in others):
        raise DomainError(
            "case_system_name_taken",
            "Another case system has this name",
            errors=[FieldError("name", "already in use")],
        )
    if not system.is_enabled:
        return
    enabled = [other for other in others if other.is_enabled]
    if any(set(other.service_ids) & set(system.service_ids) for other in enabled):
        raise DomainError(
            "service_already_subscribed",
            "A service is already subscribed by another enabled case system",
            errors=[FieldError("service_ids", "a service here belongs to another system")],
        )
    if system.api_key_id is not None and any(
        other.api_key_id == system.api_key_id for other in enabled
    ):
        raise DomainError(
            "api_key_already_bound",
            "The API key is already bound to another enabled case system",
            errors=[FieldError("api_key_id", "bound to another system")],
        )


async def _seal_secret(session: AsyncSession, cipher: FieldCipher, system: CaseSystem) -> str:
    secret = new_secret()
    system.signing_secret = await cipher.encrypt(
        session,
        data_key_id=system.data_key_id,
        table=TABLE,
        column="signing_secret",
        record_id=system.id,
        plaintext=secret,
    )
    return secret


async def register(
    session: AsyncSession,
    cipher: FieldCipher,
    *,
    organisation_id: uuid.UUID,
    data: CaseSystemCreate,
    actor_id: uuid.UUID,
    now: datetime,
) -> tuple[CaseSystem, str]:
    """A new, enabled case system and its signing secret in the clear (shown once)."""
    await _lock_organisation(session, organisation_id)
    errors = _name_errors(data.name) + webhook_url_errors(data.webhook_url)
    errors += await _service_errors(session, organisation_id, data.service_ids)
    if data.api_key_id is not None:
        errors += await _api_key_errors(session, data.api_key_id, now)
    if errors:
        raise _invalid(errors)
    data_key = await cipher.new_data_key(session)
    system = CaseSystem(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        name=data.name.strip(),
        webhook_url=data.webhook_url,
        service_ids=[str(service_id) for service_id in data.service_ids],
        api_key_id=data.api_key_id,
        is_enabled=True,
        data_key_id=data_key.id,
        signing_secret=b"",
        secret_rotated_at=now,
        created_by=actor_id,
        created_at=now,
        updated_at=now,
    )
    await _check_unique(session, system)
    secret = await _seal_secret(session, cipher, system)
    session.add(system)
    await session.flush()
    return system, secret


async def list_systems(session: AsyncSession, *, organisation_id: uuid.UUID) -> list[CaseSystem]:
    return list(
        (
            await session.scalars(
                select(CaseSystem)
                .where(CaseSystem.organisation_id == organisation_id)
                .order_by(CaseSystem.name, CaseSystem.id)
            )
        ).all()
    )


async def get_system(
    session: AsyncSession, *, organisation_id: uuid.UUID, system_id: uuid.UUID
) -> CaseSystem:
    system = await session.scalar(
        select(CaseSystem).where(
            CaseSystem.id == system_id, CaseSystem.organisation_id == organisation_id
        )
    )
    if system is None:
        raise DomainError("case_system_not_found", "No such case system", status=404)
    return system


async def update(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    system_id: uuid.UUID,
    data: CaseSystemUpdate,
    now: datetime,
) -> CaseSystem:
    await _lock_organisation(session, organisation_id)
    system = await get_system(session, organisation_id=organisation_id, system_id=system_id)
    errors = [] if data.name is None else _name_errors(data.name)
    if data.webhook_url is not None:
        errors += webhook_url_errors(data.webhook_url)
    if data.service_ids is not None:
        errors += await _service_errors(session, organisation_id, data.service_ids)
    if data.api_key_id is not None:
        if data.remove_api_key:
            errors.append(FieldError("remove_api_key", "cannot be combined with a new key"))
        errors += await _api_key_errors(session, data.api_key_id, now)
    if errors:
        raise _invalid(errors)
    if data.name is not None:
        system.name = data.name.strip()
    if data.webhook_url is not None:
        system.webhook_url = data.webhook_url
    if data.service_ids is not None:
        system.service_ids = [str(service_id) for service_id in data.service_ids]
    if data.api_key_id is not None or data.remove_api_key:
        system.api_key_id = data.api_key_id
    if data.is_enabled is not None:
        system.is_enabled = data.is_enabled
    await _check_unique(session, system)
    system.updated_at = now
    await session.flush()
    return system


async def rotate_secret(
    session: AsyncSession,
    cipher: FieldCipher,
    *,
    organisation_id: uuid.UUID,
    system_id: uuid.UUID,
    now: datetime,
) -> tuple[CaseSystem, str]:
    """A new signing secret; every delivery from now on is signed with it."""
    system = await get_system(session, organisation_id=organisation_id, system_id=system_id)
    secret = await _seal_secret(session, cipher, system)
    system.secret_rotated_at = system.updated_at = now
    await session.flush()
    return system, secret


async def list_deliveries(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    system_id: uuid.UUID,
    status: DeliveryStatus | None,
    limit: int,
) -> list[CaseSystemDelivery]:
    """The system's events, newest first (states only: payloads stay sealed)."""
    await get_system(session, organisation_id=organisation_id, system_id=system_id)
    statement = select(CaseSystemDelivery).where(CaseSystemDelivery.case_system_id == system_id)
    if status is not None:
        statement = statement.where(CaseSystemDelivery.status == status.value)
    statement = statement.order_by(
        CaseSystemDelivery.created_at.desc(), CaseSystemDelivery.event_id
    ).limit(limit)
    return list((await session.scalars(statement)).all())
