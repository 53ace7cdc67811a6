"""The key file: created private and atomically, refused when unsafe or malformed."""

import base64
import json
import os
import secrets
import stat
import threading
import uuid
from collections.abc import Callable

import pytest

from partner_contact.crypto.errors import KeyringError
from partner_contact.crypto.keyring import (
    KeyringFile,
    add_kek,
    init_keyring_file,
    load_keyring,
    remove_kek,
)


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "keyring.json"
    init_keyring_file(path)
    return path


@pytest.fixture
def open_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode_of(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def key_material(path) -> list[str]:
    document = json.loads(path.read_text())
    return [*document["keks"].values(), *document["index_keys"].values(), document["mac_key"]]


def test_init_creates_a_key_file_of_mode_0600_whatever_the_umask(tmp_path, open_umask):
    path = tmp_path / "keyring.json"
    keyring = init_keyring_file(path)
    assert mode_of(path) == 0o600
    loaded = load_keyring(path)
    assert loaded.active_kek_id == keyring.active_kek_id
    assert loaded.active_kek_id.startswith("kek-")
    assert loaded.active_index_key_id.startswith("idx-")


def test_init_writes_the_documented_format(key_file):
    document = json.loads(key_file.read_text())
    assert document["format"] == 1
    assert set(document) == {
        "format",
        "active_kek",
        "keks",
        "active_index_key",
        "index_keys",
        "mac_key",
        "audit_signing_key",
    }
    assert len(base64.b64decode(document["keks"][document["active_kek"]])) == 32
    assert len(base64.b64decode(document["index_keys"][document["active_index_key"]])) == 32
    assert len(base64.b64decode(document["mac_key"])) == 32
    assert len(base64.b64decode(document["audit_signing_key"])) == 32


def test_init_makes_three_distinct_keys(key_file):
    assert len(set(key_material(key_file))) == 3


def test_init_never_overwrites_an_existing_file(key_file):
    before = key_file.read_bytes()
    with pytest.raises(KeyringError, match="already exists"):
        init_keyring_file(key_file)
    assert key_file.read_bytes() == before


def test_key_file_is_never_created_with_a_permissive_mode(tmp_path, monkeypatch, open_umask):
    created_modes = []
    real_open = os.open

    def recording_open(path, flags, mode=0o777, **kwargs):
        if flags & os.O_CREAT:
            created_modes.append((flags & os.O_EXCL, mode))
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
    path = tmp_path / "keyring.json"
    init_keyring_file(path)
    add_kek(path)
    assert created_modes
    assert all(mode == 0o600 for _, mode in created_modes)


def test_writes_leave_no_temporary_files_behind(key_file):
    add_kek(key_file)
    names = {path.name for path in key_file.parent.iterdir()}
    assert names == {"keyring.json", "keyring.json.lock"}


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o606, 0o620, 0o602, 0o610])
def test_key_file_open_to_group_or_others_is_refused(key_file, mode):
    key_file.chmod(mode)
    with pytest.raises(KeyringError, match="chmod 600") as caught:
        load_keyring(key_file)
    assert f"{mode:04o}" in str(caught.value)


def test_owner_read_only_key_file_is_accepted(key_file):
    key_file.chmod(0o400)
    assert load_keyring(key_file).active_kek_id


def test_missing_key_file_is_reported(tmp_path):
    with pytest.raises(KeyringError, match="does not exist"):
        load_keyring(tmp_path / "absent.json")


def _valid_document() -> dict:
    return {
        "format": 1,
        "active_kek": "kek-1",
        "keks": {"kek-1": base64.b64encode(secrets.token_bytes(32)).decode()},
        "active_index_key": "idx-1",
        "index_keys": {"idx-1": base64.b64encode(secrets.token_bytes(32)).decode()},
        "mac_key": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def _changed(**changes) -> Callable[[dict], str]:
    return lambda document: json.dumps({**document, **changes})


def _with_kek(value) -> Callable[[dict], str]:
    return lambda document: json.dumps({**document, "keks": {"kek-1": value}})


def _without(field: str) -> Callable[[dict], str]:
    return lambda document: json.dumps({k: v for k, v in document.items() if k != field})


def _index_key_is_kek(document: dict) -> str:
    return json.dumps({**document, "index_keys": {"idx-1": document["keks"]["kek-1"]}})


def _kek_id_of_wrong_form(document: dict) -> str:
    return json.dumps(
        {**document, "active_kek": "key 1", "keks": {"key 1": document["keks"]["kek-1"]}}
    )


MALFORMED: dict[str, Callable[[dict], str]] = {
    "not json": lambda document: "{not json",
    "empty": lambda document: "",
    "a list": lambda document: json.dumps([document]),
    "missing keks": _without("keks"),
    "unknown field": _changed(extra="x"),
    "unknown format": _changed(format=2),
    "active kek missing": _changed(active_kek="kek-2"),
    "active index key missing": _changed(active_index_key="idx-2"),
    "no keks": _changed(keks={}),
    "key not base64": _with_kek("not base64!"),
    "key not a string": _with_kek(["Zm9vYmFyYmF6"]),
    "short key": _with_kek(base64.b64encode(secrets.token_bytes(16)).decode()),
    "kek id of wrong form": _kek_id_of_wrong_form,
    "index key equals kek": _index_key_is_kek,
    "mac key equals kek": lambda document: json.dumps(
        {**document, "mac_key": document["keks"]["kek-1"]}
    ),
    "mac key missing": _without("mac_key"),
    "mac key short": _changed(mac_key=base64.b64encode(secrets.token_bytes(16)).decode()),
}


@pytest.mark.parametrize("damage", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_key_file_is_refused_in_one_line_without_key_material(tmp_path, damage):
    document = _valid_document()
    content = damage(document)
    path = tmp_path / "keyring.json"
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(KeyringError) as caught:
        load_keyring(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    keys = [*document["keks"].values(), *document["index_keys"].values(), document["mac_key"]]
    for key in [*keys, "Zm9vYmFy"]:
        assert key[:12] not in message


def test_add_kek_activates_a_new_key_and_keeps_the_old_one_for_unwrapping(key_file):
    before = load_keyring(key_file)
    dek_id = uuid.uuid4()
    old_kek_id, wrapped = before.wrap_data_key(secrets.token_bytes(32), dek_id)

    new_kek_id = add_kek(key_file)

    after = load_keyring(key_file)
    assert after.active_kek_id == new_kek_id != old_kek_id
    assert set(after.keks) == {old_kek_id, new_kek_id}
    assert after.unwrap_data_key(old_kek_id, wrapped, dek_id)
    assert after.index_keys == before.index_keys
    assert after.mac_key == before.mac_key
    assert mode_of(key_file) == 0o600


def test_concurrent_kek_additions_lose_no_key(key_file):
    added: list[str] = []
    threads = [threading.Thread(target=lambda: added.append(add_kek(key_file))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(added) <= set(load_keyring(key_file).keks)
    assert len(load_keyring(key_file).keks) == 9


def test_remove_kek_refuses_the_active_key(key_file):
    active = load_keyring(key_file).active_kek_id
    with pytest.raises(KeyringError, match="active"):
        remove_kek(key_file, active)
    assert active in load_keyring(key_file).keks


def test_remove_kek_refuses_an_unknown_key(key_file):
    with pytest.raises(KeyringError, match="no key-encryption key"):
        remove_kek(key_file, "kek-unknown")


def test_remove_kek_drops_an_inactive_key_from_the_file(key_file):
    old = load_keyring(key_file).active_kek_id
    old_material = key_material(key_file)[0]
    add_kek(key_file)
    remove_kek(key_file, old)
    assert old not in load_keyring(key_file).keks
    assert old_material not in key_file.read_text()
    assert mode_of(key_file) == 0o600


def test_keyring_file_picks_up_a_rotation(key_file):
    source = KeyringFile(key_file)
    first = source.current()
    assert source.current() is first
    new_kek_id = add_kek(key_file)
    assert source.current().active_kek_id == new_kek_id


def test_keyring_file_refuses_a_file_made_unsafe_while_running(key_file):
    source = KeyringFile(key_file)
    source.current()
    key_file.chmod(0o644)
    os.utime(key_file, ns=(1, 1))
    with pytest.raises(KeyringError, match="chmod 600"):
        source.current()
