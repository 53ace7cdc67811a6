"""FieldCipher against a migrated database: sealing, opening, crypto-shredding."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from partner_contact.crypto.errors import DataKeyDestroyed, DataKeyNotFound, DecryptionError
from partner_contact.crypto.models import DataKey
from partner_contact.crypto.service import FieldCipher

SHREDDED_AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def seal(session_maker, keyring, plaintext="call only before 9"):
    """Seal one field under a new data key; return (data key id, record id, ciphertext)."""
    record_id = uuid.uuid4()
    cipher = FieldCipher(keyring=keyring)
    async with session_maker.begin() as session:
        data_key = await cipher.new_data_key(session)
        ciphertext = await cipher.encrypt(
            session,
            data_key_id=data_key.id,
            table="partner",
            column="note",
            record_id=record_id,
            plaintext=plaintext,
        )
    return data_key.id, record_id, ciphertext


async def open_(session_maker, keyring, data_key_id, record_id, ciphertext, *, column="note"):
    async with session_maker() as session:
        return await FieldCipher(keyring=keyring).decrypt(
            session,
            data_key_id=data_key_id,
            table="partner",
            column=column,
            record_id=record_id,
            ciphertext=ciphertext,
        )


async def test_field_round_trips_through_a_fresh_cipher_and_session(session_maker, keyring):
    data_key_id, record_id, ciphertext = await seal(session_maker, keyring)
    assert await open_(session_maker, keyring, data_key_id, record_id, ciphertext) == (
        "call only before 9"
    )


async def test_data_key_is_stored_only_wrapped_under_the_active_kek(session_maker, keyring):
    data_key_id, _, _ = await seal(session_maker, keyring)
    async with session_maker() as session:
        data_key = await session.get_one(DataKey, data_key_id)
    assert data_key.kek_id == keyring.active_kek_id
    assert data_key.wrapped is not None
    assert len(data_key.wrapped) == 1 + 12 + 32 + 16
    assert data_key.destroyed_at is None


async def test_ciphertext_moved_to_another_column_fails_through_the_service(session_maker, keyring):
    data_key_id, record_id, ciphertext = await seal(session_maker, keyring)
    with pytest.raises(DecryptionError):
        await open_(session_maker, keyring, data_key_id, record_id, ciphertext, column="phone")


async def test_ciphertext_sealed_under_another_data_key_fails(session_maker, keyring):
    _, record_id, ciphertext = await seal(session_maker, keyring)
    other_key_id, _, _ = await seal(session_maker, keyring)
    with pytest.raises(DecryptionError):
        await open_(session_maker, keyring, other_key_id, record_id, ciphertext)


async def test_shredded_data_key_makes_its_fields_unreadable_for_good(session_maker, keyring):
    data_key_id, record_id, ciphertext = await seal(session_maker, keyring)
    cipher = FieldCipher(keyring=keyring, clock=lambda: SHREDDED_AT)
    async with session_maker.begin() as session:
        await cipher.decrypt(  # puts the key in this cipher's cache
            session,
            data_key_id=data_key_id,
            table="partner",
            column="note",
            record_id=record_id,
            ciphertext=ciphertext,
        )
        await cipher.shred(session, data_key_id)
        with pytest.raises(DataKeyDestroyed):
            await cipher.decrypt(
                session,
                data_key_id=data_key_id,
                table="partner",
                column="note",
                record_id=record_id,
                ciphertext=ciphertext,
            )

    with pytest.raises(DataKeyDestroyed):
        await open_(session_maker, keyring, data_key_id, record_id, ciphertext)
    async with session_maker() as session:
        data_key = await session.get_one(DataKey, data_key_id)
    assert data_key.wrapped is None
    assert data_key.destroyed_at == SHREDDED_AT


async def test_shredding_twice_keeps_the_first_destruction_time(session_maker, keyring):
    data_key_id, _, _ = await seal(session_maker, keyring)
    for moment in (SHREDDED_AT, datetime(2027, 1, 1, tzinfo=UTC)):
        async with session_maker.begin() as session:
            await FieldCipher(keyring=keyring, clock=lambda m=moment: m).shred(session, data_key_id)
    async with session_maker() as session:
        assert (await session.get_one(DataKey, data_key_id)).destroyed_at == SHREDDED_AT


async def test_unknown_data_key_is_reported(session_maker, keyring):
    cipher = FieldCipher(keyring=keyring)
    async with session_maker() as session:
        with pytest.raises(DataKeyNotFound):
            await cipher.encrypt(
                session,
                data_key_id=uuid.uuid4(),
                table="partner",
                column="note",
                record_id=uuid.uuid4(),
                plaintext="x",
            )
        with pytest.raises(DataKeyNotFound):
            await cipher.shred(session, uuid.uuid4())


@pytest.mark.parametrize(
    "half_shred",
    [{"wrapped": None}, {"destroyed_at": SHREDDED_AT}],
    ids=["key gone without a date", "date set with the key kept"],
)
async def test_database_refuses_a_half_shredded_data_key(session_maker, keyring, half_shred):
    data_key_id, _, _ = await seal(session_maker, keyring)
    async with session_maker() as session:
        with pytest.raises(IntegrityError):
            await session.execute(
                update(DataKey).where(DataKey.id == data_key_id).values(**half_shred)
            )


async def test_new_data_keys_are_distinct(session_maker, keyring):
    cipher = FieldCipher(keyring=keyring)
    async with session_maker.begin() as session:
        for _ in range(20):
            await cipher.new_data_key(session)
    async with session_maker() as session:
        wrapped = (await session.scalars(select(DataKey.wrapped))).all()
    assert len(set(wrapped)) == 20
