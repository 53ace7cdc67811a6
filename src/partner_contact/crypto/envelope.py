"""Authenticated encryption of one field value under a data key (AES-256-GCM).

A ciphertext describes itself, so a later format can live beside this one::

    version (1) | data key id (16) | nonce (12) | ciphertext and tag (len + 16)

The associated data is that header plus the record id, table and column: a ciphertext
copied to another row, column or table, or relabelled with another key id, fails.
"""

from __future__ import annotations

import os
import re
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from partner_contact.crypto.errors import DecryptionError
from partner_contact.crypto.keyring import KEY_BYTES

FORMAT_VERSION = 1
_VERSION = bytes([FORMAT_VERSION])
_HEADER_BYTES = len(_VERSION) + 16
_NONCE_BYTES = 12
_TAG_BYTES = 16
OVERHEAD_BYTES = _HEADER_BYTES + _NONCE_BYTES + _TAG_BYTES
# Names are length-prefixed in the associated data; plain identifiers also keep them short.
_SQL_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def encrypt_field(
    dek: bytes,
    dek_id: uuid.UUID,
    *,
    table: str,
    column: str,
    record_id: uuid.UUID,
    plaintext: str,
) -> bytes:
    """Encrypt ``plaintext`` for one column of one record, with a fresh random nonce."""
    try:
        data = plaintext.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the plaintext is not valid Unicode") from None  # never echo it
    header = _VERSION + dek_id.bytes
    nonce = os.urandom(_NONCE_BYTES)
    aad = _associated_data(header, table=table, column=column, record_id=record_id)
    return header + nonce + _cipher(dek).encrypt(nonce, data, aad)


def decrypt_field(
    dek: bytes, ciphertext: bytes, *, table: str, column: str, record_id: uuid.UUID
) -> str:
    """Decrypt what :func:`encrypt_field` made for exactly this table, column and record."""
    where = f"{table}.{column} of record {record_id}"
    if len(ciphertext) < OVERHEAD_BYTES or not ciphertext.startswith(_VERSION):
        raise DecryptionError(f"{where} is not a ciphertext of a known format")
    header = ciphertext[:_HEADER_BYTES]
    nonce = ciphertext[_HEADER_BYTES : _HEADER_BYTES + _NONCE_BYTES]
    aad = _associated_data(header, table=table, column=column, record_id=record_id)
    try:
        data = _cipher(dek).decrypt(nonce, ciphertext[_HEADER_BYTES + _NONCE_BYTES :], aad)
        return data.decode("utf-8")
    except (InvalidTag, UnicodeDecodeError):
        raise DecryptionError(f"{where} failed authentication") from None


def _cipher(dek: bytes) -> AESGCM:
    if len(dek) != KEY_BYTES:
        raise ValueError(f"a data key is {KEY_BYTES} bytes")
    return AESGCM(dek)


def _associated_data(header: bytes, *, table: str, column: str, record_id: uuid.UUID) -> bytes:
    if not (_SQL_NAME.fullmatch(table) and _SQL_NAME.fullmatch(column)):
        raise ValueError("table and column must be lower-case SQL identifiers")
    return (
        header
        + record_id.bytes
        + bytes([len(table)])
        + table.encode("ascii")
        + bytes([len(column)])
        + column.encode("ascii")
    )
