"""KEKs, blind-index keys and the digest (MAC) key, kept in one JSON key file of mode 0600.

The key file is the only home of these keys. Whoever holds it and a copy of the database
reads everything, so it is never stored with database backups (docs/crypto.md).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import fcntl
import hashlib
import hmac
import os
import re
import secrets
import stat
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from partner_contact.crypto.errors import DecryptionError, KeyringError

KEY_BYTES = 32
BLIND_INDEX_BYTES = 16
FILE_FORMAT = 1
_WRAP_FORMAT = b"\x01"
_NONCE_BYTES = 12
_WRAPPED_BYTES = len(_WRAP_FORMAT) + _NONCE_BYTES + KEY_BYTES + 16
# Ids reach the database (data_key.kek_id is 64 characters) and messages: keep them plain.
_KEK_ID = re.compile(r"kek-[A-Za-z0-9][A-Za-z0-9_-]{0,59}")
_INDEX_KEY_ID = re.compile(r"idx-[A-Za-z0-9][A-Za-z0-9_-]{0,59}")
_INDEX_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")


class _KeyFile(msgspec.Struct, forbid_unknown_fields=True):
    format: int
    active_kek: str
    keks: dict[str, str]
    active_index_key: str
    index_keys: dict[str, str]
    mac_key: str
    audit_signing_key: str


@dataclasses.dataclass(frozen=True, eq=False, kw_only=True)
class Keyring:
    """The keys of one key file; key bytes never appear in ``repr`` or in messages."""

    active_kek_id: str
    keks: Mapping[str, bytes] = dataclasses.field(repr=False)
    active_index_key_id: str
    index_keys: Mapping[str, bytes] = dataclasses.field(repr=False)
    # Keys stored digests of secrets the service never reads back (API-key secrets,
    # recovery codes, throttle keys); not rotated, since that voids every such digest.
    mac_key: bytes = dataclasses.field(repr=False)
    # Ed25519 private key (raw 32 bytes) that signs access-log checkpoints; auditors
    # verify with its public half (`partner-contact audit public-key`).
    audit_signing_key: bytes = dataclasses.field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keks", MappingProxyType(dict(self.keks)))
        object.__setattr__(self, "index_keys", MappingProxyType(dict(self.index_keys)))
        _check_keys("key-encryption key", _KEK_ID, self.keks, self.active_kek_id)
        _check_keys("blind-index key", _INDEX_KEY_ID, self.index_keys, self.active_index_key_id)
        if len(self.mac_key) != KEY_BYTES:
            raise KeyringError(f"the MAC key is not {KEY_BYTES} bytes long")
        if len(self.audit_signing_key) != KEY_BYTES:
            raise KeyringError(f"the audit signing key is not {KEY_BYTES} bytes long")
        # One key, one role: a key shared between roles would let one leak serve another.
        kek_values = set(self.keks.values())
        index_values = set(self.index_keys.values())
        singles = {self.mac_key, self.audit_signing_key}
        if kek_values & index_values or singles & (kek_values | index_values) or len(singles) < 2:
            raise KeyringError(
                "a key is used in two roles (KEK, blind index, MAC, audit signing); "
                "keys must be distinct"
            )

    def audit_signer(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.audit_signing_key)

    def wrap_data_key(self, dek: bytes, dek_id: uuid.UUID) -> tuple[str, bytes]:
        """Seal ``dek`` under the active KEK: ``(kek_id, version | nonce | ciphertext+tag)``."""
        if len(dek) != KEY_BYTES:
            raise ValueError(f"a data key is {KEY_BYTES} bytes")
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.keks[self.active_kek_id]).encrypt(nonce, dek, _wrap_aad(dek_id))
        return self.active_kek_id, _WRAP_FORMAT + nonce + sealed

    def unwrap_data_key(self, kek_id: str, wrapped: bytes, dek_id: uuid.UUID) -> bytes:
        """Open a wrapped data key; it only opens under the id it was wrapped with."""
        kek = self.keks.get(kek_id)
        if kek is None:
            raise KeyringError(f"data key {dek_id} is wrapped under {kek_id!r}, not in the keyring")
        if len(wrapped) != _WRAPPED_BYTES or not wrapped.startswith(_WRAP_FORMAT):
            raise DecryptionError(f"data key {dek_id} is not a wrapped key of a known format")
        nonce_end = len(_WRAP_FORMAT) + _NONCE_BYTES
        try:
            return AESGCM(kek).decrypt(
                wrapped[len(_WRAP_FORMAT) : nonce_end], wrapped[nonce_end:], _wrap_aad(dek_id)
            )
        except InvalidTag:
            raise DecryptionError(f"data key {dek_id} failed authentication") from None

    def blind_index(
        self, kind: str, normalised_value: str, *, index_key_id: str | None = None
    ) -> bytes:
        """HMAC-SHA256(index key, kind NUL value) cut to 16 bytes, for equality lookups.

        ``index_key_id`` picks a non-active key, for lookups while indexes are recomputed.
        """
        if not _INDEX_KIND.fullmatch(kind):
            raise ValueError("a blind-index kind is a short lower-case name")
        if not normalised_value:
            raise ValueError("an empty value has no blind index")
        key_id = self.active_index_key_id if index_key_id is None else index_key_id
        key = self.index_keys.get(key_id)
        if key is None:
            raise KeyringError(f"no blind-index key {index_key_id!r} in the keyring")
        try:
            value = normalised_value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("the value is not valid Unicode") from None
        message = kind.encode("ascii") + b"\x00" + value
        return hmac.new(key, message, hashlib.sha256).digest()[:BLIND_INDEX_BYTES]


class KeyringFile:
    """A key file, read on first use and again whenever it changes (after ``keys rotate``).

    A service that kept its first keyring forever could not open data keys re-wrapped
    under a newer KEK, and would keep wrapping new ones under the old KEK.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._keyring: Keyring | None = None

    def current(self) -> Keyring:
        try:
            status = os.stat(self.path)
        except OSError:
            return load_keyring(self.path)  # raises the one-line explanation
        stamp = (status.st_ino, status.st_mtime_ns, status.st_size)
        if self._keyring is None or stamp != self._stamp:
            self._keyring = load_keyring(self.path)
            self._stamp = stamp
        return self._keyring


def init_keyring_file(path: Path) -> Keyring:
    """Create a key file with new KEK, blind-index, MAC and audit keys; never overwrites."""
    kek_id, index_key_id = _new_id("kek"), _new_id("idx")
    # Independent random keys: none is derived from, or equal to, another.
    keyring = Keyring(
        active_kek_id=kek_id,
        keks={kek_id: secrets.token_bytes(KEY_BYTES)},
        active_index_key_id=index_key_id,
        index_keys={index_key_id: secrets.token_bytes(KEY_BYTES)},
        mac_key=secrets.token_bytes(KEY_BYTES),
        audit_signing_key=secrets.token_bytes(KEY_BYTES),
    )
    _write(path, keyring, replace=False)
    return keyring


def load_keyring(path: Path) -> Keyring:
    """Read and check the key file; refuse one open to group or others."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise KeyringError(
            f"keyring file {path} does not exist (partner-contact keys init)"
        ) from None
    except OSError as exc:
        raise KeyringError(f"keyring file {path} cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode  # of the file opened, not of a path re-read
        if not stat.S_ISREG(mode):
            raise KeyringError(f"keyring file {path} is not a regular file")
        if mode & 0o077:
            raise KeyringError(
                f"keyring file {path} is open to group or others "
                f"(mode {stat.S_IMODE(mode):04o}); chmod 600 it"
            )
        content = handle.read()
    try:
        document = msgspec.json.decode(content, type=_KeyFile)
    except msgspec.DecodeError as exc:  # messages name a field path, never a value
        raise KeyringError(f"keyring file {path} is malformed: {exc}") from None
    if document.format != FILE_FORMAT:
        raise KeyringError(f"keyring file {path} has format {document.format}, not {FILE_FORMAT}")
    try:
        return Keyring(
            active_kek_id=document.active_kek,
            keks={key_id: _decode_key("keks", key) for key_id, key in document.keks.items()},
            active_index_key_id=document.active_index_key,
            index_keys={
                key_id: _decode_key("index_keys", key)
                for key_id, key in document.index_keys.items()
            },
            mac_key=_decode_key("mac_key", document.mac_key),
            audit_signing_key=_decode_key("audit_signing_key", document.audit_signing_key),
        )
    except KeyringError as exc:
        raise KeyringError(f"keyring file {path}: {exc}") from None


def add_kek(path: Path) -> str:
    """Add a new KEK and make it active; older KEKs stay, to unwrap until re-wrapped."""
    with _exclusive(path):
        keyring = load_keyring(path)
        kek_id = _new_id("kek")
        while kek_id in keyring.keks:
            kek_id = _new_id("kek")
        keks = {**keyring.keks, kek_id: secrets.token_bytes(KEY_BYTES)}
        _write(path, dataclasses.replace(keyring, active_kek_id=kek_id, keks=keks), replace=True)
    return kek_id


def remove_kek(path: Path, kek_id: str) -> None:
    """Drop a KEK that is not active; the caller checks no data key is wrapped under it."""
    with _exclusive(path):
        keyring = load_keyring(path)
        if kek_id == keyring.active_kek_id:
            raise KeyringError(f"{kek_id} is the active key-encryption key; rotate first")
        if kek_id not in keyring.keks:
            raise KeyringError(f"no key-encryption key {kek_id!r} in keyring file {path}")
        keks = {key_id: key for key_id, key in keyring.keks.items() if key_id != kek_id}
        _write(path, dataclasses.replace(keyring, keks=keks), replace=True)


def _wrap_aad(dek_id: uuid.UUID) -> bytes:
    # Binding the data key id stops a wrapped key from being moved to another data_key row.
    return _WRAP_FORMAT + dek_id.bytes


def _new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def _check_keys(
    what: str, id_pattern: re.Pattern[str], keys: Mapping[str, bytes], active_id: str
) -> None:
    for key_id, key in keys.items():
        if not id_pattern.fullmatch(key_id):
            raise KeyringError(f"a {what} id is not of the form {id_pattern.pattern}")
        if len(key) != KEY_BYTES:
            raise KeyringError(f"{what} {key_id} is not {KEY_BYTES} bytes long")
    if active_id not in keys:
        raise KeyringError(f"the active {what} is not among the keys")


def _decode_key(field: str, encoded: str) -> bytes:
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"a key in {field} is not valid base64") from None


def _encode(keyring: Keyring) -> bytes:
    document = _KeyFile(
        format=FILE_FORMAT,
        active_kek=keyring.active_kek_id,
        keks={key_id: base64.b64encode(key).decode() for key_id, key in keyring.keks.items()},
        active_index_key=keyring.active_index_key_id,
        index_keys={
            key_id: base64.b64encode(key).decode() for key_id, key in keyring.index_keys.items()
        },
        mac_key=base64.b64encode(keyring.mac_key).decode(),
        audit_signing_key=base64.b64encode(keyring.audit_signing_key).decode(),
    )
    return msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"


def _write(path: Path, keyring: Keyring, *, replace: bool) -> None:
    """Write the whole file beside ``path`` with mode 0600, then move it into place."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # the umask may only take bits away
            handle.write(_encode(keyring))
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # unlike a rename, fails when the target exists
        _fsync_directory(path.parent)
    except FileExistsError:
        raise KeyringError(
            f"keyring file {path} already exists; refusing to overwrite it"
        ) from None
    except OSError as exc:
        raise KeyringError(f"cannot write keyring file {path} ({exc.strerror})") from None
    finally:
        temporary.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Serialise read-modify-write of the key file, so two rotations cannot lose a KEK."""
    # A separate lock file: the key file itself is replaced, so a lock on it would not hold.
    try:
        fd = os.open(
            path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
        )
    except OSError as exc:
        raise KeyringError(f"cannot lock keyring file {path} ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
