"""Planting her canaries through the API, and looking for any trace of them afterwards."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import phonenumbers
from litestar import Litestar
from sqlalchemy import LargeBinary, make_url, select, text

from partner_contact.crypto.envelope import decrypt_field
from partner_contact.crypto.errors import CryptoError
from partner_contact.crypto.models import DataKey
from partner_contact.db.base import Base
from partner_contact.retention.purge import Purger
from tests.fixtures.canaries import ALL, CODE_WORD, EMAILS, FREE_TEXT, PHONE_FORMS, find_canaries
from tests.fixtures.staff import auth_ctx, on_app_loop, table_rows
from tests.integration.outreach.flow import Flow, make_flow

Rows = dict[str, list[dict[str, Any]]]


async def _post(flow: Flow, path: str, body: dict[str, Any]) -> Any:
    response = await flow.client.post(path, json=body, headers=flow.headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def plant_her(app: Litestar, client: Any) -> Flow:
    """Her record with a canary in every field the API takes, and an outreach she replied to."""
    flow = await make_flow(
        app,
        client,
        alias=FREE_TEXT[:40],
        phone=PHONE_FORMS[0],
        email=EMAILS[0],
        whatsapp=PHONE_FORMS[4],
    )
    her = f"/api/v1/partners/{flow.partner['id']}"
    response = await client.put(
        f"{her}/code-word", json={"code_word": CODE_WORD}, headers=flow.headers
    )
    assert response.status_code in (200, 204), response.text
    await flow.start()
    await flow.dispatch()
    assert len(await flow.mailbox()) == 1
    await flow.reply(FREE_TEXT)
    await flow.dispatch()
    await _post(
        flow,
        f"{her}/consent",
        {
            "decision": "permitted_with_conditions",
            "conditions": FREE_TEXT,
            "review_after": "2026-04-01",
        },
    )
    await _post(
        flow, f"{her}/notes", {"topic": "safety", "text": FREE_TEXT, "raise_when": "next_call"}
    )
    await _post(flow, f"{her}/assessments", {"how_she_managed_episodes": FREE_TEXT})
    await _post(flow, f"{her}/risk/her-view", {"scale": 4, "words": FREE_TEXT})
    return flow


async def dump_database(app: Litestar) -> Rows:
    """Every column of every row of every table, as stored."""

    async def work() -> Rows:
        dump: Rows = {}
        async with auth_ctx(app).session_maker() as session:
            for table in Base.metadata.sorted_tables:
                result = await session.execute(select(table))
                dump[table.name] = [dict(row._mapping) for row in result]
        return dump

    return await on_app_loop(app, work)


def _encodings(canary: str) -> list[bytes]:
    raw = canary.encode()
    return [raw, base64.b64encode(raw), raw.hex().encode(), canary.encode("utf-16-le")]


def plaintext_traces(dump: Rows, canaries: Sequence[str] = ALL) -> list[str]:
    """Canaries found in any value, as text or bytes, also base64 or hex encoded."""
    found = []
    for table, rows in dump.items():
        for row in rows:
            for column, value in row.items():
                if value is None:
                    continue
                blob = (
                    bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                )
                hits = find_canaries(blob, canaries) + [
                    canary for canary in canaries for form in _encodings(canary) if form in blob
                ]
                found += [f"{table}.{column}: {hit}" for hit in hits]
    return found


async def live_data_keys(app: Litestar) -> dict[uuid.UUID, bytes]:
    """Every data key the live keyring still opens."""
    keyring = app.state.keyring_file.current()

    async def work() -> dict[uuid.UUID, bytes]:
        async with auth_ctx(app).session_maker() as session:
            rows = (
                await session.execute(
                    select(DataKey.id, DataKey.kek_id, DataKey.wrapped).where(
                        DataKey.wrapped.is_not(None)
                    )
                )
            ).all()
        return {
            key_id: keyring.unwrap_data_key(kek, wrapped, key_id) for key_id, kek, wrapped in rows
        }

    return await on_app_loop(app, work)


async def decryptable_traces(app: Litestar, dump: Rows, canaries: Sequence[str] = ALL) -> list[str]:
    """Canaries inside any ciphertext of any table that any live data key opens."""
    keys = await live_data_keys(app)
    found = []
    for table in Base.metadata.sorted_tables:
        sealed = [c.name for c in table.columns if isinstance(c.type, LargeBinary)]
        primary = next(iter(table.primary_key.columns)).name
        for row in dump[table.name]:
            if not isinstance(row[primary], uuid.UUID):
                continue  # sealed values are bound to a UUID record id
            for column in sealed:
                if row[column] is None:
                    continue
                for dek in keys.values():
                    try:
                        plain = decrypt_field(
                            dek,
                            bytes(row[column]),
                            table=table.name,
                            column=column,
                            record_id=row[primary],
                        )
                    except (CryptoError, ValueError, TypeError):
                        continue
                    hits = find_canaries(plain, canaries)
                    found += [f"{table.name}.{column}: {hit}" for hit in hits]
    return found


def her_blind_indexes(app: Litestar, canaries: Sequence[str] = ALL) -> dict[bytes, str]:
    """Every blind index her canaries can have (phones in E.164, e-mails), by value."""
    keyring = app.state.keyring_file.current()
    indexes = {}
    for canary in canaries:
        if "@" in canary:
            indexes[keyring.blind_index("email", canary.strip().lower())] = canary
            continue
        try:
            number = phonenumbers.parse(canary, "GB")
        except phonenumbers.NumberParseException:
            continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        indexes[keyring.blind_index("phone", e164)] = canary
    return indexes


def blind_index_traces(dump: Rows, indexes: dict[bytes, str]) -> list[str]:
    """Her blind indexes in any bytes value of any table (a guessed number confirms her)."""
    return [
        f"{table}.{column}: {canary}"
        for table, rows in dump.items()
        for row in rows
        for column, value in row.items()
        if isinstance(value, bytes | memoryview)
        for index, canary in indexes.items()
        if index in bytes(value)
    ]


async def database_file_bytes(app: Litestar) -> dict[str, bytes]:
    """The bytes of the database as stored: SQLite's files, or PostgreSQL's relations.

    On PostgreSQL it reads the files of every table and index (superuser only); empty when
    that is not allowed.
    """
    engine = app.state.engine
    if engine.dialect.name == "sqlite":
        path = Path(str(make_url(str(engine.url)).database))
        return {file.name: file.read_bytes() for file in path.parent.glob(f"{path.name}*")}

    async def work() -> dict[str, bytes]:
        files = {}
        async with engine.connect() as connection:
            await connection.execute(text("CHECKPOINT"))
            relations = (
                await connection.execute(
                    text(
                        "SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 't')"
                    )
                )
            ).all()
            for name, path in relations:
                data = await connection.scalar(
                    text("SELECT pg_read_binary_file(:path)"), {"path": path}
                )
                files[name] = bytes(data)
        return files

    try:
        return await on_app_loop(app, work)
    except Exception:  # not a superuser: nothing to read
        return {}


async def erase_and_collect_secrets(app: Litestar, flow: Flow) -> list[bytes]:
    """Erase her through the API; returns what must leave the database files with her.

    Her blind indexes, and the wrapped bytes of every data key the erasure destroyed.
    """
    rows = await table_rows(app, "data_key", "id, wrapped")
    wrapped = {str(key): bytes(value) for key, value in rows if value is not None}
    response = await flow.client.post(
        f"/api/v1/partners/{flow.partner['id']}/erasure",
        json={"reason": "her_request", "confirm": True},
        headers=flow.case.supervisor_headers,
    )
    assert response.status_code == 201, response.text
    destroyed = [
        wrapped[str(key)]
        for key, value in await table_rows(app, "data_key", "id, wrapped")
        if value is None and str(key) in wrapped
    ]
    assert destroyed
    return [*destroyed, *her_blind_indexes(app)]


async def purge_now(app: Litestar) -> dict[str, int]:
    purger: Purger = app.state.purger
    return await on_app_loop(app, lambda: purger.run_once("cli"))
