"""In-memory access-log entries, sealed by hand, for tests that need no database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from partner_contact.audit.chain import GENESIS_HASH, hash_entry
from partner_contact.audit.models import AccessLogEntry

OCCURRED_AT = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
SEALED_AT = datetime(2026, 3, 2, 9, 0, 2, tzinfo=UTC)


def make_entry(**overrides: Any) -> AccessLogEntry:
    """A sealed first entry of a chain; ``overrides`` replace any column."""
    fields: dict[str, Any] = {
        "id": uuid.UUID("0f5b6a8e-3c1d-4e2f-9a7b-1c2d3e4f5a6b"),
        "occurred_at": OCCURRED_AT,
        "actor_kind": "user",
        "actor_id": "7d3c2b1a-0000-4000-8000-000000000001",
        "role": "worker",
        "action": "partner.read",
        "object_type": "partner",
        "object_id": "b1c2d3e4-0000-4000-8000-000000000002",
        "purpose": "call",
        "outcome": "allowed",
        "request_id": "req-0123456789",
        "seq": 1,
        "prev_hash": GENESIS_HASH,
        "sealed_at": SEALED_AT,
    }
    entry = AccessLogEntry(**(fields | overrides))
    if "entry_hash" not in overrides:
        entry.entry_hash = hash_entry(entry)
    return entry
