"""Base of every request body struct."""

from __future__ import annotations

import msgspec


class Payload(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Unknown fields are refused with a 400 naming them (and documented as such)."""
