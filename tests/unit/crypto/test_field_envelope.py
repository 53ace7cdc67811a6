"""Field encryption: round trips, binding to its place, tamper detection, nonces."""

import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from partner_contact.crypto.envelope import OVERHEAD_BYTES, decrypt_field, encrypt_field
from partner_contact.crypto.errors import DecryptionError

DEK = AESGCM.generate_key(bit_length=256)
DEK_ID = uuid.uuid4()
RECORD_ID = uuid.uuid4()
SECRET = "She is safe to call on Tuesdays after 10:00"
# Byte ranges of the layout: version | data key id | nonce | body | tag.
REGIONS = {
    "version": range(0, 1),
    "key id": range(1, 17),
    "nonce": range(17, 29),
    "body": range(29, 29 + len(SECRET.encode())),
    "tag": range(29 + len(SECRET.encode()), OVERHEAD_BYTES + len(SECRET.encode())),
}


def seal(plaintext: str = SECRET, *, table: str = "partner", column: str = "phone") -> bytes:
    return encrypt_field(
        DEK, DEK_ID, table=table, column=column, record_id=RECORD_ID, plaintext=plaintext
    )


def open_(
    ciphertext: bytes,
    *,
    dek: bytes = DEK,
    table: str = "partner",
    column: str = "phone",
    record_id: uuid.UUID = RECORD_ID,
) -> str:
    return decrypt_field(dek, ciphertext, table=table, column=column, record_id=record_id)


@pytest.mark.parametrize("plaintext", ["", "x", SECRET, "Ünïcødé 🙂 \x00 مرحبا", "a" * 100_000])
def test_field_round_trips(plaintext):
    assert open_(seal(plaintext)) == plaintext


@settings(max_examples=300)
@given(st.text())
def test_any_unicode_text_round_trips(plaintext):
    assert open_(seal(plaintext)) == plaintext


def test_ciphertext_is_version_key_id_nonce_then_body_and_tag():
    ciphertext = seal()
    assert ciphertext[0] == 1
    assert ciphertext[1:17] == DEK_ID.bytes
    assert len(ciphertext) == OVERHEAD_BYTES + len(SECRET.encode())
    assert SECRET.encode() not in ciphertext


def test_ciphertext_copied_to_another_record_fails():
    with pytest.raises(DecryptionError):
        open_(seal(), record_id=uuid.uuid4())


def test_ciphertext_copied_to_another_column_fails():
    with pytest.raises(DecryptionError):
        open_(seal(column="phone"), column="email")


def test_ciphertext_copied_to_another_table_fails():
    with pytest.raises(DecryptionError):
        open_(seal(table="partner"), table="participant")


def test_ciphertext_does_not_open_under_another_data_key():
    with pytest.raises(DecryptionError):
        open_(seal(), dek=AESGCM.generate_key(bit_length=256))


@pytest.mark.parametrize("region", REGIONS)
def test_any_flipped_bit_is_detected(region):
    ciphertext = seal()
    for position in REGIONS[region]:
        for bit in range(8):
            tampered = bytearray(ciphertext)
            tampered[position] ^= 1 << bit
            with pytest.raises(DecryptionError):
                open_(bytes(tampered))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-1],
        lambda c: c + b"\x00",
        lambda c: c[: OVERHEAD_BYTES - 1],
        lambda c: b"",
        lambda c: c[:17] + c[29:],
    ],
    ids=["tag cut short", "byte appended", "below minimum length", "empty", "nonce removed"],
)
def test_truncated_or_extended_ciphertext_fails(mangle):
    with pytest.raises(DecryptionError):
        open_(mangle(seal()))


def test_nonces_never_repeat_over_10000_encryptions():
    nonces = {seal("same text")[17:29] for _ in range(10_000)}
    assert len(nonces) == 10_000


def test_decryption_error_reveals_neither_plaintext_nor_key():
    tampered = bytearray(seal())
    tampered[-1] ^= 1
    with pytest.raises(DecryptionError) as caught:
        open_(bytes(tampered))
    message = str(caught.value)
    assert SECRET not in message
    assert DEK.hex() not in message
    assert repr(DEK) not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_lone_surrogate_is_refused_without_echoing_it():
    with pytest.raises(ValueError, match="not valid Unicode") as caught:
        seal("secret\ud800")
    assert "secret" not in str(caught.value)
    assert caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("table", "column"), [("Partner", "phone"), ("partner", "ph one"), ("", "x")]
)
def test_table_and_column_must_be_plain_identifiers(table, column):
    with pytest.raises(ValueError, match="identifiers"):
        seal(table=table, column=column)


def test_data_key_must_be_256_bits():
    with pytest.raises(ValueError, match="32 bytes"):
        encrypt_field(
            DEK[:16], DEK_ID, table="partner", column="phone", record_id=RECORD_ID, plaintext="x"
        )
