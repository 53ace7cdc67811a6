"""What reaches the SQLite file: neither planted canaries nor key bytes, even after shredding."""

import uuid
from pathlib import Path

import pytest
from sqlalchemy import LargeBinary, MetaData
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from partner_contact.crypto.models import DataKey, ProtectedRecord
from partner_contact.crypto.service import FieldCipher
from partner_contact.db.base import NAMING_CONVENTION, Base, UUIDPrimaryKey
from partner_contact.db.engine import create_engine
from partner_contact.db.migrate import upgrade_database
from tests.fixtures.canaries import CODE_WORD, EMAILS, FREE_TEXT, PHONE_FORMS, find_canaries

CANARIES = {"phone": PHONE_FORMS[0], "email": EMAILS[0], "note": f"{FREE_TEXT} ({CODE_WORD})"}


class _TestBase(DeclarativeBase):
    """A metadata of its own, so this test table never joins the application's schema."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = Base.type_annotation_map


DataKey.__table__.to_metadata(_TestBase.metadata)


class CanaryContact(UUIDPrimaryKey, ProtectedRecord, _TestBase):
    __tablename__ = "canary_contact"

    phone: Mapped[bytes] = mapped_column(LargeBinary)
    email: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[bytes] = mapped_column(LargeBinary)


def database_bytes(database_path: Path) -> bytes:
    """The database file with its journal files, as a thief copying the folder gets them."""
    return b"".join(path.read_bytes() for path in sorted(database_path.parent.iterdir()))


def key_forms(key: bytes) -> list[bytes]:
    return [key, key.hex().encode()]


@pytest.fixture
def database_path(tmp_path):
    path = tmp_path / "db" / "partner-contact.db"
    path.parent.mkdir()
    return path


@pytest.fixture
async def canary_engine(database_path):
    engine = create_engine("sqlite+aiosqlite:///" + str(database_path))
    await upgrade_database(engine)
    async with engine.begin() as connection:
        await connection.run_sync(_TestBase.metadata.create_all, tables=[CanaryContact.__table__])
    yield engine
    await engine.dispose()


@pytest.fixture
def canary_session_maker(canary_engine):
    return async_sessionmaker(canary_engine, expire_on_commit=False)


async def store_canaries(session_maker, keyring) -> tuple[uuid.UUID, uuid.UUID]:
    cipher = FieldCipher(keyring=keyring)
    record_id = uuid.uuid4()
    async with session_maker.begin() as session:
        data_key = await cipher.new_data_key(session)
        sealed = {
            column: await cipher.encrypt(
                session,
                data_key_id=data_key.id,
                table="canary_contact",
                column=column,
                record_id=record_id,
                plaintext=canary,
            )
            for column, canary in CANARIES.items()
        }
        session.add(CanaryContact(id=record_id, data_key_id=data_key.id, **sealed))
    return data_key.id, record_id


async def test_database_file_holds_no_canary_and_no_key_bytes(
    canary_engine, canary_session_maker, keyring, database_path
):
    data_key_id, record_id = await store_canaries(canary_session_maker, keyring)
    async with canary_session_maker() as session:
        row = await session.get_one(DataKey, data_key_id)
        dek = keyring.unwrap_data_key(row.kek_id, row.wrapped, row.id)
        contact = await session.get_one(CanaryContact, record_id)
        assert (
            await FieldCipher(keyring=keyring).decrypt(
                session,
                data_key_id=data_key_id,
                table="canary_contact",
                column="note",
                record_id=record_id,
                ciphertext=contact.note,
            )
            == CANARIES["note"]
        )
    await canary_engine.dispose()  # the last connection checkpoints the WAL into the file

    stored = database_bytes(database_path)
    assert row.wrapped in stored  # the search does reach the stored rows
    assert find_canaries(stored) == []
    for canary in CANARIES.values():
        assert canary.encode("utf-16-le") not in stored
    for key in [dek, *keyring.keks.values(), *keyring.index_keys.values(), keyring.mac_key]:
        for form in key_forms(key):
            assert form not in stored


async def test_shredding_removes_the_wrapped_key_from_the_database_file(
    canary_engine, canary_session_maker, keyring, database_path
):
    cipher = FieldCipher(keyring=keyring)
    async with canary_session_maker.begin() as session:
        # Among neighbours, a shredded key's bytes would linger in a page were they not zeroed.
        data_keys = [await cipher.new_data_key(session) for _ in range(50)]
    shredded = data_keys[25]
    async with canary_session_maker.begin() as session:
        await cipher.shred(session, shredded.id)
    await canary_engine.dispose()  # the last connection checkpoints the WAL into the file

    stored = database_bytes(database_path)
    assert shredded.wrapped is not None
    assert shredded.wrapped not in stored
    assert all(data_key.wrapped in stored for data_key in data_keys if data_key is not shredded)


async def test_protected_record_needs_an_existing_data_key(canary_session_maker):
    async with canary_session_maker() as session:
        session.add(CanaryContact(data_key_id=uuid.uuid4(), phone=b"x", email=b"x", note=b"x"))
        with pytest.raises(IntegrityError):
            await session.flush()
