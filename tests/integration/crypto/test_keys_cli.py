"""``partner-contact keys``: init, rotate (and resume), retire, against a real data dir."""

import asyncio
import json
import os
import stat

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from partner_contact.audit.models import AccessLogEntry
from partner_contact.crypto.cli import keys
from partner_contact.crypto.keyring import add_kek, load_keyring
from partner_contact.crypto.service import FieldCipher, count_under_kek
from partner_contact.db.engine import create_engine
from partner_contact.db.migrate import upgrade_database
from partner_contact.settings import get_settings


@pytest.fixture
def data_dir(tmp_path, monkeypatch, database_url):
    path = tmp_path / "var"
    for variable in list(os.environ):
        if variable.startswith("PC_") and not variable.startswith("PC_TEST_"):
            monkeypatch.delenv(variable)
    monkeypatch.setenv("PC_DATA_DIR", str(path))
    monkeypatch.setenv("PC_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def invoke(data_dir):
    def run(*args: str):
        return CliRunner().invoke(keys, list(args), catch_exceptions=False)

    return run


def run_on_database(work):
    async def run():
        engine = create_engine(get_settings().resolved_database_url)
        try:
            await upgrade_database(engine)
            return await work(async_sessionmaker(engine, expire_on_commit=False))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def make_data_keys(count):
    keyring = load_keyring(get_settings().resolved_keyring_file)

    async def work(session_maker):
        cipher = FieldCipher(keyring=keyring)
        async with session_maker.begin() as session:
            for _ in range(count):
                await cipher.new_data_key(session)

    run_on_database(work)


def data_keys_under(kek_id):
    async def work(session_maker):
        async with session_maker() as session:
            return await count_under_kek(session, kek_id)

    return run_on_database(work)


def test_init_creates_a_private_data_dir_and_key_file(invoke, data_dir):
    result = invoke("init")
    assert result.exit_code == 0, result.output
    key_file = data_dir / "keyring.json"
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_keyring(key_file).active_kek_id in result.output
    for key in json.loads(key_file.read_text())["keks"].values():
        assert key not in result.output


def test_init_refuses_to_overwrite_the_key_file(invoke, data_dir):
    invoke("init")
    before = (data_dir / "keyring.json").read_bytes()
    result = invoke("init")
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert (data_dir / "keyring.json").read_bytes() == before


def test_init_if_missing_is_quiet_when_a_valid_key_file_exists(invoke, data_dir):
    invoke("init")
    result = invoke("init", "--if-missing")
    assert result.exit_code == 0
    assert result.output == ""


def test_init_if_missing_still_refuses_an_unsafe_key_file(invoke, data_dir):
    invoke("init")
    (data_dir / "keyring.json").chmod(0o644)
    result = invoke("init", "--if-missing")
    assert result.exit_code != 0
    assert "chmod 600" in result.output


def test_rotate_then_retire_frees_the_old_key(invoke, data_dir):
    invoke("init")
    old = load_keyring(data_dir / "keyring.json").active_kek_id
    make_data_keys(30)

    rotated = invoke("rotate")
    assert rotated.exit_code == 0, rotated.output
    new = load_keyring(data_dir / "keyring.json").active_kek_id
    assert new != old
    assert f"re-wrapped 30 data keys under {new}" in rotated.output
    assert data_keys_under(old) == 0

    retired = invoke("retire", old)
    assert retired.exit_code == 0, retired.output
    assert set(load_keyring(data_dir / "keyring.json").keks) == {new}
    assert key_operations_logged() == [("keys.rotate", new), ("keys.retire", old)]


def key_operations_logged():
    async def work(session_maker):
        async with session_maker() as session:
            entries = await session.scalars(
                select(AccessLogEntry)
                .where(AccessLogEntry.action.like("keys.%"))
                .order_by(AccessLogEntry.occurred_at)
            )
            return [(entry.action, entry.object_id) for entry in entries]

    return run_on_database(work)


def test_retire_refuses_the_active_key(invoke, data_dir):
    invoke("init")
    active = load_keyring(data_dir / "keyring.json").active_kek_id
    result = invoke("retire", active)
    assert result.exit_code != 0
    assert "active key-encryption key" in result.output
    assert active in load_keyring(data_dir / "keyring.json").keks


def test_retire_refuses_while_data_keys_use_the_key_until_rotation_resumes(invoke, data_dir):
    invoke("init")
    key_file = data_dir / "keyring.json"
    old = load_keyring(key_file).active_kek_id
    make_data_keys(5)
    new = add_kek(key_file)  # as a rotation interrupted before any batch committed

    refused = invoke("retire", old)
    assert refused.exit_code != 0
    assert f"5 data keys are still wrapped under {old}" in refused.output
    assert old in load_keyring(key_file).keks

    resumed = invoke("rotate", "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert set(load_keyring(key_file).keks) == {old, new}  # no key added on resume
    assert data_keys_under(new) == 5
    assert invoke("retire", old).exit_code == 0


def test_retire_of_an_unknown_key_is_refused(invoke, data_dir):
    invoke("init")
    make_data_keys(1)
    result = invoke("retire", "kek-nosuchkey")
    assert result.exit_code != 0
    assert "no key-encryption key" in result.output
