"""Rotating the KEK: re-wrapping data keys in resumable batches, then retiring the old KEK."""

import pytest
from sqlalchemy import func, select

from partner_contact.crypto.envelope import decrypt_field
from partner_contact.crypto.keyring import add_kek, load_keyring, remove_kek
from partner_contact.crypto.models import DataKey
from partner_contact.crypto.service import (
    FieldCipher,
    count_to_rewrap,
    count_under_kek,
    rewrap_all,
)


class Interrupted(Exception):
    pass


async def assert_every_field_opens(session_maker, keyring, sealed):
    async with session_maker() as session:
        rows = {row.id: row for row in (await session.scalars(select(DataKey))).all()}
    for field in sealed:
        row = rows[field.data_key_id]
        dek = keyring.unwrap_data_key(row.kek_id, row.wrapped, row.id)
        opened = decrypt_field(
            dek, field.ciphertext, table="note", column="body", record_id=field.record_id
        )
        assert opened == field.plaintext


async def kek_counts(session_maker) -> dict[str, int]:
    async with session_maker() as session:
        rows = await session.execute(select(DataKey.kek_id, func.count()).group_by(DataKey.kek_id))
        return dict(rows.tuples().all())


async def test_rotating_10000_data_keys_rewraps_them_all_then_the_old_kek_retires(
    session_maker, keyring_path, seal_under_new_data_keys
):
    old = load_keyring(keyring_path)
    sealed = await seal_under_new_data_keys(old, 10_000)
    new_kek_id = add_kek(keyring_path)
    rotated = load_keyring(keyring_path)

    assert await rewrap_all(session_maker, rotated) == 10_000

    assert await kek_counts(session_maker) == {new_kek_id: 10_000}
    async with session_maker() as session:
        assert await count_under_kek(session, old.active_kek_id) == 0
    remove_kek(keyring_path, old.active_kek_id)
    retired = load_keyring(keyring_path)
    assert set(retired.keks) == {new_kek_id}
    await assert_every_field_opens(session_maker, retired, sealed)
    async with session_maker() as session:
        field = sealed[1234]
        assert (
            await FieldCipher(keyring=retired).decrypt(
                session,
                data_key_id=field.data_key_id,
                table="note",
                column="body",
                record_id=field.record_id,
                ciphertext=field.ciphertext,
            )
            == field.plaintext
        )


async def test_interrupted_rotation_keeps_its_batches_and_resumes_with_the_rest(
    session_maker, keyring_path, seal_under_new_data_keys
):
    old = load_keyring(keyring_path)
    sealed = await seal_under_new_data_keys(old, 250)
    new_kek_id = add_kek(keyring_path)
    rotated = load_keyring(keyring_path)

    def stop_after_first_batch(done, total):
        raise Interrupted

    with pytest.raises(Interrupted):
        await rewrap_all(session_maker, rotated, batch_size=100, on_progress=stop_after_first_batch)
    assert await kek_counts(session_maker) == {old.active_kek_id: 150, new_kek_id: 100}
    await assert_every_field_opens(session_maker, rotated, sealed)

    progress = []
    resumed = await rewrap_all(
        session_maker, rotated, batch_size=100, on_progress=lambda *p: progress.append(p)
    )
    assert resumed == 150
    assert progress == [(100, 150), (150, 150)]
    assert await kek_counts(session_maker) == {new_kek_id: 250}
    assert await rewrap_all(session_maker, rotated) == 0


async def test_rewrapping_leaves_shredded_data_keys_destroyed(
    session_maker, keyring_path, seal_under_new_data_keys
):
    old = load_keyring(keyring_path)
    shredded, kept = await seal_under_new_data_keys(old, 2)
    async with session_maker.begin() as session:
        await FieldCipher(keyring=old).shred(session, shredded.data_key_id)
    add_kek(keyring_path)
    rotated = load_keyring(keyring_path)
    async with session_maker() as session:
        assert await count_to_rewrap(session, rotated) == 1

    assert await rewrap_all(session_maker, rotated) == 1

    async with session_maker() as session:
        shredded_row = await session.get_one(DataKey, shredded.data_key_id)
        assert await count_under_kek(session, old.active_kek_id) == 0
    assert shredded_row.wrapped is None
    assert shredded_row.kek_id == old.active_kek_id
    await assert_every_field_opens(session_maker, rotated, [kept])


async def test_rewrap_refuses_a_batch_size_below_one(session_maker, keyring):
    with pytest.raises(ValueError, match="batch_size"):
        await rewrap_all(session_maker, keyring, batch_size=0)
