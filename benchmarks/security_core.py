"""Figures for the security core: field encryption, blind indexes, password hashing,
KEK rotation and access-log sealing. Prints figures and ratios; asserts nothing.

    .venv/bin/python benchmarks/security_core.py
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.ext.asyncio import async_sessionmaker

from partner_contact.audit.chain import seal_pending
from partner_contact.audit.service import Actor, record_access
from partner_contact.clock import utc_now
from partner_contact.crypto.envelope import decrypt_field, encrypt_field
from partner_contact.crypto.keyring import add_kek, init_keyring_file, load_keyring
from partner_contact.crypto.models import DataKey
from partner_contact.crypto.service import rewrap_all
from partner_contact.db.engine import create_engine
from partner_contact.db.migrate import upgrade_database
from partner_contact.settings import AuthSettings


def per_second(work: Callable[[], object], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        work()
    return rounds / (time.perf_counter() - started)


def field_crypto(keyring_dir: Path) -> None:
    keyring = init_keyring_file(keyring_dir / "keyring.json")
    dek, dek_id, record = AESGCM.generate_key(bit_length=256), uuid.uuid4(), uuid.uuid4()
    sealed = encrypt_field(
        dek, dek_id, table="partner", column="phone", record_id=record, plaintext="+447700900123"
    )
    enc = per_second(
        lambda: encrypt_field(
            dek,
            dek_id,
            table="partner",
            column="phone",
            record_id=record,
            plaintext="+447700900123",
        ),
        20_000,
    )
    dec = per_second(
        lambda: decrypt_field(dek, sealed, table="partner", column="phone", record_id=record),
        20_000,
    )
    idx = per_second(lambda: keyring.blind_index("phone", "+447700900123"), 20_000)
    print(f"field encrypt      {enc:>10,.0f} /s")
    print(f"field decrypt      {dec:>10,.0f} /s")
    print(f"blind index        {idx:>10,.0f} /s")


def password_hashing() -> None:
    settings = AuthSettings()
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        hasher.hash("Lantern-Meadow-Quietly-42")
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings) * 1000
    print(
        f"argon2id hash      {median:>10.1f} ms "
        f"(m={settings.argon2_memory_kib} KiB, t={settings.argon2_time_cost})"
    )


async def rotation_and_sealing(directory: Path) -> None:
    key_file = directory / "rotate.json"
    keyring = init_keyring_file(key_file)
    engine = create_engine(f"sqlite+aiosqlite:///{directory / 'bench.db'}")
    await upgrade_database(engine)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    count = 10_000
    async with maker.begin() as session:
        for _ in range(count):
            dek_id = uuid.uuid4()
            kek_id, wrapped = keyring.wrap_data_key(AESGCM.generate_key(bit_length=256), dek_id)
            session.add(DataKey(id=dek_id, kek_id=kek_id, wrapped=wrapped, created_at=utc_now()))
    add_kek(key_file)
    started = time.perf_counter()
    rewrapped = await rewrap_all(maker, load_keyring(key_file))
    elapsed = time.perf_counter() - started
    print(
        f"KEK rotation       {rewrapped / elapsed:>10,.0f} data keys/s "
        f"({rewrapped} in {elapsed:.2f} s)"
    )

    async with maker.begin() as session:
        for _ in range(count):
            await record_access(
                session, actor=Actor(kind="system"), action="bench.entry", outcome="succeeded"
            )
    started = time.perf_counter()
    sealed = await seal_pending(engine)
    elapsed = time.perf_counter() - started
    print(f"access-log sealing {sealed / elapsed:>10,.0f} entries/s ({sealed} in {elapsed:.2f} s)")
    await engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        field_crypto(directory)
        password_hashing()
        asyncio.run(rotation_and_sealing(directory))


if __name__ == "__main__":
    main()
