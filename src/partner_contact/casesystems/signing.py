"""Webhook signing secrets and signatures (the receiver's side is in docs/case-systems.md).

The signature is ``v1=`` + hex HMAC-SHA256, keyed with the whole secret string (UTF-8,
prefix included), over ``"<unix seconds>."`` followed by the raw request body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

SECRET_PREFIX: Final = "whsec_"  # noqa: S105 (a label, not a secret)
SIGNATURE_VERSION: Final = "v1"


def new_secret() -> str:
    """32 random bytes, base64url without padding, behind a recognisable prefix."""
    raw = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return SECRET_PREFIX + raw


def signature(secret: str, *, timestamp: int, body: bytes) -> str:
    """The ``X-Partner-Contact-Signature`` value for this body sent at ``timestamp``."""
    digest = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"
