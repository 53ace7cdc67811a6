"""Opaque tokens and their stored forms.

Session tokens, CSRF tokens, recovery codes and API-key secrets are 128+ bits of
randomness, so a fast hash is enough to make the stored form useless to a thief; the
API-key secret additionally uses a keyed hash (HMAC) as the issue asks, with a key kept
in the keyring, outside the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def keyed_digest(key: bytes, value: str) -> bytes:
    return hmac.new(key, value.encode(), hashlib.sha256).digest()


def digests_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
