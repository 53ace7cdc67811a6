"""The bytes behind entry hashes, checkpoint signatures, cursors and exports."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.audit.chain import Checkpoint, checkpoint_bytes, hash_entry
from partner_contact.audit.models import AccessLogEntry
from partner_contact.audit.service import list_entries, render_csv, render_jsonl
from tests.unit.audit.factories import OCCURRED_AT, SEALED_AT, make_entry


def test_the_entry_hash_is_sha256_of_the_documented_json_array() -> None:
    entry = make_entry()
    documented = [
        "pc-audit-entry-v1",
        1,
        "00" * 32,
        "0f5b6a8e-3c1d-4e2f-9a7b-1c2d3e4f5a6b",
        "2026-03-02T09:00:00.123456Z",
        "2026-03-02T09:00:02.000000Z",
        "user",
        "7d3c2b1a-0000-4000-8000-000000000001",
        "worker",
        "partner.read",
        "partner",
        "b1c2d3e4-0000-4000-8000-000000000002",
        "call",
        "allowed",
        "req-0123456789",
    ]
    canonical = json.dumps(documented, separators=(",", ":")).encode("ascii")
    assert hash_entry(entry) == hashlib.sha256(canonical).digest()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("seq", 2),
        ("prev_hash", b"\x01" * 32),
        ("occurred_at", OCCURRED_AT.replace(microsecond=0)),
        ("sealed_at", SEALED_AT.replace(second=3)),
        ("actor_kind", "api_key"),
        ("actor_id", "someone-else"),
        ("role", None),
        ("action", "partner.update"),
        ("object_type", "referral"),
        ("object_id", None),
        ("purpose", "audit"),
        ("outcome", "denied"),
        ("request_id", "req-9999999999"),
    ],
)
def test_every_column_but_the_hash_changes_the_hash(column: str, value: Any) -> None:
    assert hash_entry(make_entry(**{column: value})) != hash_entry(make_entry())


def test_moving_text_between_adjacent_fields_changes_the_hash() -> None:
    # A plain concatenation would hash "partner" + "" and "" + "partner" alike.
    shifted = make_entry(object_type="partnerx", object_id=None)
    assert hash_entry(shifted) != hash_entry(make_entry(object_type="partner", object_id="x"))


def test_a_checkpoint_signs_the_documented_json_array() -> None:
    assert checkpoint_bytes(7, "ab" * 32, "2026-03-02T09:00:00.000000Z") == (
        b'["pc-audit-checkpoint-v1",7,"' + b"ab" * 32 + b'","2026-03-02T09:00:00.000000Z"]'
    )


def _checkpoint(key: Ed25519PrivateKey, **overrides: Any) -> Checkpoint:
    fields: dict[str, Any] = {"seq": 7, "head_hash": "ab" * 32, "created_at": "2026-03-02T09:00Z"}
    signature = key.sign(checkpoint_bytes(**fields)).hex()
    return Checkpoint(**(fields | {"signature": signature} | overrides))


def test_a_checkpoint_signature_fails_for_another_key_or_a_changed_field() -> None:
    key = Ed25519PrivateKey.generate()
    assert _checkpoint(key).has_valid_signature(key.public_key())
    other_key = Ed25519PrivateKey.generate().public_key()
    assert not _checkpoint(key).has_valid_signature(other_key)
    assert not _checkpoint(key, seq=8).has_valid_signature(key.public_key())
    assert not _checkpoint(key, head_hash="cd" * 32).has_valid_signature(key.public_key())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


async def _stream(entries: Iterable[AccessLogEntry]) -> AsyncIterator[AccessLogEntry]:
    for entry in entries:
        yield entry


async def _collect(chunks: AsyncIterator[str]) -> str:
    return "".join([chunk async for chunk in chunks])


async def test_jsonl_export_carries_every_field_the_hash_needs() -> None:
    entry = make_entry()
    text = await _collect(render_jsonl(_stream([entry, make_entry(seq=2)])))
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["occurred_at"] == "2026-03-02T09:00:00.123456Z"
    assert first["entry_hash"] == hash_entry(entry).hex()
    assert first["prev_hash"] == "00" * 32
    assert second["seq"] == 2


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
async def test_csv_export_neutralises_cells_a_spreadsheet_would_run(start: str) -> None:
    # The service refuses such values; a row written straight into the table is not checked.
    formula = f"{start}HYPERLINK(1)"
    (row,) = _csv_rows(await _collect(render_csv(_stream([make_entry(object_id=formula)]))))
    assert row["object_id"] == "'" + formula
    assert row["action"] == "partner.read"


async def test_csv_export_of_an_unsealed_entry_leaves_the_chain_cells_empty() -> None:
    unsealed = make_entry(seq=None, prev_hash=None, entry_hash=None, sealed_at=None)
    (row,) = _csv_rows(await _collect(render_csv(_stream([unsealed]))))
    assert [row[name] for name in ("seq", "prev_hash", "entry_hash", "sealed_at")] == [""] * 4


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        _b64(b"{}"),
        _b64(b"[1,2]"),
        _b64(b'["2026-03-02T09:00:00","0f5b6a8e-3c1d-4e2f-9a7b-1c2d3e4f5a6b"]'),  # no zone
        _b64(b'["2026-03-02T09:00:00Z","not-a-uuid"]'),
    ],
)
async def test_a_cursor_the_service_did_not_issue_is_refused(cursor: str) -> None:
    with pytest.raises(ValueError, match=r"^after: "):
        await list_entries(AsyncSession(), after=cursor)
