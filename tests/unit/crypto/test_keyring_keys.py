"""Wrapping data keys under KEKs, blind indexes, and keeping key bytes out of sight."""

import base64
import dataclasses
import hashlib
import hmac
import secrets
import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from partner_contact.crypto.errors import DecryptionError, KeyringError
from partner_contact.crypto.keyring import Keyring

OLD_KEK = secrets.token_bytes(32)
NEW_KEK = secrets.token_bytes(32)
INDEX_KEY = secrets.token_bytes(32)
NEXT_INDEX_KEY = secrets.token_bytes(32)
MAC_KEY = secrets.token_bytes(32)
AUDIT_KEY = secrets.token_bytes(32)


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(
        active_kek_id="kek-new",
        keks={"kek-old": OLD_KEK, "kek-new": NEW_KEK},
        active_index_key_id="idx-a",
        index_keys={"idx-a": INDEX_KEY, "idx-b": NEXT_INDEX_KEY},
        mac_key=MAC_KEY,
        audit_signing_key=AUDIT_KEY,
    )


def test_data_key_round_trips_through_wrapping(keyring):
    dek, dek_id = AESGCM.generate_key(bit_length=256), uuid.uuid4()
    kek_id, wrapped = keyring.wrap_data_key(dek, dek_id)
    assert kek_id == "kek-new"
    assert dek not in wrapped
    assert keyring.unwrap_data_key(kek_id, wrapped, dek_id) == dek


def test_wrapping_twice_gives_different_bytes(keyring):
    dek, dek_id = AESGCM.generate_key(bit_length=256), uuid.uuid4()
    assert keyring.wrap_data_key(dek, dek_id)[1] != keyring.wrap_data_key(dek, dek_id)[1]


def test_wrapped_key_opens_only_for_its_own_data_key_id(keyring):
    kek_id, wrapped = keyring.wrap_data_key(secrets.token_bytes(32), uuid.uuid4())
    with pytest.raises(DecryptionError):
        keyring.unwrap_data_key(kek_id, wrapped, uuid.uuid4())


def test_wrapped_key_opens_only_under_its_own_kek(keyring):
    dek_id = uuid.uuid4()
    _, wrapped = keyring.wrap_data_key(secrets.token_bytes(32), dek_id)
    with pytest.raises(DecryptionError):
        keyring.unwrap_data_key("kek-old", wrapped, dek_id)


def test_any_tampered_byte_of_a_wrapped_key_is_detected(keyring):
    dek_id = uuid.uuid4()
    kek_id, wrapped = keyring.wrap_data_key(secrets.token_bytes(32), dek_id)
    for position in range(len(wrapped)):
        tampered = bytearray(wrapped)
        tampered[position] ^= 0x80
        with pytest.raises(DecryptionError):
            keyring.unwrap_data_key(kek_id, bytes(tampered), dek_id)
    with pytest.raises(DecryptionError):
        keyring.unwrap_data_key(kek_id, wrapped[:-1], dek_id)


def test_data_key_under_an_unknown_kek_is_reported(keyring):
    dek_id = uuid.uuid4()
    _, wrapped = keyring.wrap_data_key(secrets.token_bytes(32), dek_id)
    with pytest.raises(KeyringError, match="kek-gone"):
        keyring.unwrap_data_key("kek-gone", wrapped, dek_id)


def test_only_256_bit_data_keys_are_wrapped(keyring):
    with pytest.raises(ValueError, match="32 bytes"):
        keyring.wrap_data_key(secrets.token_bytes(16), uuid.uuid4())


def test_repr_names_key_ids_but_shows_no_key_bytes(keyring):
    text = repr(keyring) + str(keyring)
    assert "kek-new" in text
    for key in (OLD_KEK, NEW_KEK, INDEX_KEY, NEXT_INDEX_KEY, MAC_KEY):
        for form in (repr(key), key.hex(), base64.b64encode(key).decode()):
            assert form not in text


def test_keyring_cannot_be_changed_after_creation(keyring):
    with pytest.raises(dataclasses.FrozenInstanceError):
        keyring.active_kek_id = "kek-old"  # type: ignore[misc]
    with pytest.raises(TypeError):
        keyring.keks["kek-evil"] = secrets.token_bytes(32)  # type: ignore[index]


def test_blind_index_is_hmac_sha256_of_kind_nul_value_cut_to_16_bytes(keyring):
    expected = hmac.new(INDEX_KEY, b"phone\x00+447700900123", hashlib.sha256).digest()[:16]
    assert keyring.blind_index("phone", "+447700900123") == expected


def test_blind_index_is_stable_and_separates_kinds(keyring):
    assert keyring.blind_index("email", "a@example.org") == keyring.blind_index(
        "email", "a@example.org"
    )
    assert keyring.blind_index("email", "a@example.org") != keyring.blind_index(
        "phone", "a@example.org"
    )


def test_blind_index_under_a_named_index_key_differs(keyring):
    active = keyring.blind_index("phone", "+447700900123")
    other = keyring.blind_index("phone", "+447700900123", index_key_id="idx-b")
    assert (
        other == hmac.new(NEXT_INDEX_KEY, b"phone\x00+447700900123", hashlib.sha256).digest()[:16]
    )
    assert active != other
    with pytest.raises(KeyringError):
        keyring.blind_index("phone", "+447700900123", index_key_id="idx-missing")


@pytest.mark.parametrize("kind", ["", "Phone", "pho\x00ne", "phone number"])
def test_blind_index_kind_must_be_a_plain_name(keyring, kind):
    with pytest.raises(ValueError, match="kind"):
        keyring.blind_index(kind, "+447700900123")


def test_blind_index_refuses_an_empty_value(keyring):
    with pytest.raises(ValueError, match="empty"):
        keyring.blind_index("phone", "")


@pytest.mark.parametrize(
    ("index_key", "mac_key", "audit_key"),
    [
        (OLD_KEK, MAC_KEY, AUDIT_KEY),
        (INDEX_KEY, OLD_KEK, AUDIT_KEY),
        (INDEX_KEY, INDEX_KEY, AUDIT_KEY),
        (INDEX_KEY, MAC_KEY, MAC_KEY),
        (INDEX_KEY, MAC_KEY, OLD_KEK),
    ],
    ids=[
        "index key is a kek",
        "mac key is a kek",
        "mac key is the index key",
        "audit key is the mac key",
        "audit key is a kek",
    ],
)
def test_one_key_in_two_roles_is_refused(index_key, mac_key, audit_key):
    with pytest.raises(KeyringError, match="distinct"):
        Keyring(
            active_kek_id="kek-a",
            keks={"kek-a": OLD_KEK},
            active_index_key_id="idx-a",
            index_keys={"idx-a": index_key},
            mac_key=mac_key,
            audit_signing_key=audit_key,
        )


@pytest.mark.parametrize(
    ("keks", "active_kek_id", "message"),
    [
        ({"kek-a": OLD_KEK}, "kek-b", "active key-encryption key"),
        ({"kek-a": OLD_KEK[:16]}, "kek-a", "32 bytes"),
        ({"key-a": OLD_KEK}, "key-a", "form"),
    ],
)
def test_inconsistent_keyring_is_refused(keks, active_kek_id, message):
    with pytest.raises(KeyringError, match=message):
        Keyring(
            active_kek_id=active_kek_id,
            keks=keks,
            active_index_key_id="idx-a",
            index_keys={"idx-a": INDEX_KEY},
            mac_key=MAC_KEY,
            audit_signing_key=AUDIT_KEY,
        )


def test_mac_key_must_be_256_bits():
    with pytest.raises(KeyringError, match="MAC key"):
        Keyring(
            active_kek_id="kek-a",
            keks={"kek-a": OLD_KEK},
            active_index_key_id="idx-a",
            index_keys={"idx-a": INDEX_KEY},
            mac_key=MAC_KEY[:16],
            audit_signing_key=AUDIT_KEY,
        )
