"""A key file, and a factory of data keys with one sealed field each.

The database comes from the shared ``engine`` fixture (SQLite file, and PostgreSQL when
PC_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from partner_contact.crypto.envelope import encrypt_field
from partner_contact.crypto.keyring import Keyring, init_keyring_file, load_keyring
from partner_contact.crypto.models import DataKey

SessionMaker = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class SealedField:
    """A field value sealed under its own data key, kept to check it still opens."""

    data_key_id: uuid.UUID
    record_id: uuid.UUID
    plaintext: str
    ciphertext: bytes


@pytest.fixture
def keyring_path(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "keyring.json"
    path.parent.mkdir(mode=0o700)
    init_keyring_file(path)
    return path


@pytest.fixture
def keyring(keyring_path: Path) -> Keyring:
    return load_keyring(keyring_path)


@pytest.fixture
def session_maker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def seal_under_new_data_keys(
    session_maker: SessionMaker,
) -> Callable[[Keyring, int], Awaitable[list[SealedField]]]:
    """Insert ``count`` data keys in bulk, each with one field sealed under it."""

    async def seal(keyring: Keyring, count: int) -> list[SealedField]:
        rows, sealed = [], []
        for number in range(count):
            dek_id, record_id = uuid.uuid4(), uuid.uuid4()
            dek = AESGCM.generate_key(bit_length=256)
            kek_id, wrapped = keyring.wrap_data_key(dek, dek_id)
            rows.append(
                {
                    "id": dek_id,
                    "kek_id": kek_id,
                    "wrapped": wrapped,
                    "created_at": datetime.now(UTC),
                }
            )
            plaintext = f"note number {number}"
            ciphertext = encrypt_field(
                dek, dek_id, table="note", column="body", record_id=record_id, plaintext=plaintext
            )
            sealed.append(SealedField(dek_id, record_id, plaintext, ciphertext))
        async with session_maker.begin() as session:
            await session.execute(insert(DataKey), rows)
        return sealed

    return seal
