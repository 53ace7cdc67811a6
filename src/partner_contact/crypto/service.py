"""Encrypting fields under per-record data keys, crypto-shredding, and KEK re-wrapping."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partner_contact.clock import Clock, utc_now
from partner_contact.crypto.envelope import decrypt_field, encrypt_field
from partner_contact.crypto.errors import DataKeyDestroyed, DataKeyNotFound
from partner_contact.crypto.keyring import Keyring
from partner_contact.crypto.models import DataKey, ProtectedRecord

__all__ = [
    "FieldCipher",
    "ProtectedRecord",  # also here, beside FieldCipher, for feature models to import
    "count_to_rewrap",
    "count_under_kek",
    "rewrap_all",
]

ProgressCallback = Callable[[int, int], None]


class FieldCipher:
    """Seals and opens field values; make one per request.

    Unwrapped data keys are cached on the instance only, so none outlives the request
    that needed it.
    """

    def __init__(self, *, keyring: Keyring, clock: Clock = utc_now) -> None:
        self._keyring = keyring
        self._clock = clock
        self._deks: dict[uuid.UUID, bytes] = {}

    async def new_data_key(self, session: AsyncSession) -> DataKey:
        """Create a data key, wrapped under the active KEK, in the session's transaction."""
        dek_id = uuid.uuid4()
        dek = AESGCM.generate_key(bit_length=256)
        kek_id, wrapped = self._keyring.wrap_data_key(dek, dek_id)
        data_key = DataKey(id=dek_id, kek_id=kek_id, wrapped=wrapped, created_at=self._clock())
        session.add(data_key)
        await session.flush()
        self._deks[dek_id] = dek
        return data_key

    async def encrypt(
        self,
        session: AsyncSession,
        *,
        data_key_id: uuid.UUID,
        table: str,
        column: str,
        record_id: uuid.UUID,
        plaintext: str,
    ) -> bytes:
        dek = await self._data_key(session, data_key_id)
        return encrypt_field(
            dek, data_key_id, table=table, column=column, record_id=record_id, plaintext=plaintext
        )

    async def decrypt(
        self,
        session: AsyncSession,
        *,
        data_key_id: uuid.UUID,
        table: str,
        column: str,
        record_id: uuid.UUID,
        ciphertext: bytes,
    ) -> str:
        """Raises :class:`DataKeyDestroyed` once the record's key was shredded."""
        dek = await self._data_key(session, data_key_id)
        return decrypt_field(dek, ciphertext, table=table, column=column, record_id=record_id)

    async def shred(self, session: AsyncSession, data_key_id: uuid.UUID) -> None:
        """Destroy the data key, making every value sealed under it unreadable for good."""
        data_key = await session.get(DataKey, data_key_id)
        if data_key is None:
            raise DataKeyNotFound(f"no data key {data_key_id}")
        self._deks.pop(data_key_id, None)
        if data_key.destroyed_at is None:
            data_key.wrapped = None
            data_key.destroyed_at = self._clock()
            await session.flush()

    async def _data_key(self, session: AsyncSession, data_key_id: uuid.UUID) -> bytes:
        dek = self._deks.get(data_key_id)
        if dek is None:
            data_key = await session.get(DataKey, data_key_id)
            if data_key is None:
                raise DataKeyNotFound(f"no data key {data_key_id}")
            if data_key.wrapped is None:
                raise DataKeyDestroyed(f"data key {data_key_id} was destroyed")
            dek = self._keyring.unwrap_data_key(data_key.kek_id, data_key.wrapped, data_key_id)
            self._deks[data_key_id] = dek
        return dek


async def count_under_kek(session: AsyncSession, kek_id: str) -> int:
    """Live data keys wrapped under ``kek_id``; the KEK may be retired when this is 0."""
    return await _count_live(session, DataKey.kek_id == kek_id)


async def count_to_rewrap(session: AsyncSession, keyring: Keyring) -> int:
    """Live data keys not yet wrapped under the active KEK."""
    return await _count_live(session, DataKey.kek_id != keyring.active_kek_id)


async def rewrap_all(
    session_maker: async_sessionmaker[AsyncSession],
    keyring: Keyring,
    *,
    batch_size: int = 500,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Re-wrap every live data key not under the active KEK; return how many were.

    Each batch commits on its own, so an interrupted run keeps what it did and the next
    run does the rest. Field ciphertexts stay as they are: the data keys do not change.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    async with session_maker() as session:
        total = await count_to_rewrap(session, keyring)
    done = 0
    while True:
        async with session_maker.begin() as session:
            # FOR UPDATE (PostgreSQL; SQLite locks the database instead): a key shredded
            # meanwhile waits, or drops out here, and is never given back its wrapped bytes.
            rows = (
                await session.execute(
                    select(DataKey.id, DataKey.kek_id, DataKey.wrapped)
                    .where(DataKey.wrapped.is_not(None), DataKey.kek_id != keyring.active_kek_id)
                    .limit(batch_size)
                    .with_for_update()
                )
            ).all()
            if not rows:
                return done
            changes = []
            for dek_id, kek_id, wrapped in rows:
                dek = keyring.unwrap_data_key(kek_id, wrapped, dek_id)
                new_kek_id, new_wrapped = keyring.wrap_data_key(dek, dek_id)
                changes.append({"id": dek_id, "kek_id": new_kek_id, "wrapped": new_wrapped})
            await session.execute(update(DataKey), changes)
        done += len(rows)
        if on_progress is not None:
            on_progress(done, max(total, done))


async def _count_live(session: AsyncSession, condition: ColumnElement[bool]) -> int:
    statement = select(func.count()).select_from(DataKey).where(DataKey.wrapped.is_not(None))
    return await session.scalar(statement.where(condition)) or 0
