"""``partner-contact audit seal`` and ``verify``, run as an operator or an auditor would."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from partner_contact.audit.models import AccessLogEntry
from partner_contact.clock import ManualClock
from partner_contact.db.engine import create_engine
from partner_contact.db.migrate import upgrade_database
from tests.fixtures.canaries import find_canaries
from tests.integration.audit.factories import (
    export_checkpoint,
    record_committed,
    sealed_chain,
    tamper,
)


@pytest.fixture
def run_audit(tmp_path: Path, database_url: str) -> Callable[..., CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PC_")}
    env |= {"PC_DATA_DIR": str(tmp_path / "data"), "PC_DATABASE_URL": database_url}

    def run(*args: str) -> CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "partner_contact", "audit", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


def _on_database(
    database_url: str, work: Callable[[AsyncEngine, ManualClock], Coroutine[Any, Any, object]]
) -> None:
    async def run() -> None:
        engine = create_engine(database_url)
        try:
            await upgrade_database(engine)
            await work(engine, ManualClock())
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_seal_links_the_pending_entries(
    run_audit: Callable[..., CompletedProcess[str]], database_url: str
) -> None:
    _on_database(database_url, lambda engine, clock: record_committed(engine, clock, 3))
    assert run_audit("seal").stdout == "sealed 3 entries\n"
    result = run_audit("verify")
    assert result.returncode == 0
    assert result.stdout.splitlines()[:2] == ["chain intact: 3 entries", "0 entries awaiting seal"]


def test_verify_exits_1_naming_the_first_broken_entry(
    run_audit: Callable[..., CompletedProcess[str]], database_url: str
) -> None:
    async def cut(engine: AsyncEngine, clock: ManualClock) -> None:
        await sealed_chain(engine, clock, 4)
        await tamper(engine, delete(AccessLogEntry).where(AccessLogEntry.seq == 2))

    _on_database(database_url, cut)
    result = run_audit("verify")
    assert result.returncode == 1
    assert result.stdout.startswith("chain broken at seq 2 (entry ")
    assert "deleted_or_reordered" in result.stdout
    assert find_canaries(result.stdout + result.stderr) == []


def test_verify_checks_exported_checkpoints_with_only_the_public_key(
    run_audit: Callable[..., CompletedProcess[str]], database_url: str, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    public_key = tmp_path / "audit.pub"
    public_key.write_bytes(
        key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    checkpoints = tmp_path / "checkpoints.jsonl"

    async def exported(engine: AsyncEngine, clock: ManualClock) -> None:
        await sealed_chain(engine, clock, 2)
        await export_checkpoint(engine, key, checkpoints, clock)

    _on_database(database_url, exported)
    args = ("verify", "--checkpoints", str(checkpoints), "--public-key", str(public_key))
    intact = run_audit(*args)
    assert intact.returncode == 0, intact.stderr
    assert "2 checkpoints checked (signatures checked)" in intact.stdout

    other_key = Ed25519PrivateKey.generate().public_key()
    public_key.write_bytes(other_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    forged = run_audit(*args)
    assert forged.returncode == 1
    assert "checkpoint_forged" in forged.stdout


def test_verify_refuses_a_file_that_is_not_a_public_key(
    run_audit: Callable[..., CompletedProcess[str]], tmp_path: Path
) -> None:
    not_a_key = tmp_path / "audit.pub"
    not_a_key.write_text("hello")
    result = run_audit("verify", "--public-key", str(not_a_key))
    assert result.returncode == 2
    assert "not a PEM Ed25519 public key" in result.stderr


# SQLite only: PostgreSQL's typed columns refuse such a write in the first place.
@pytest.mark.parametrize("backend", ["sqlite"])
def test_verify_reports_an_entry_that_cannot_be_read_instead_of_crashing(
    run_audit: Callable[..., CompletedProcess[str]], database_url: str
) -> None:
    async def garble(engine: AsyncEngine, clock: ManualClock) -> None:
        await sealed_chain(engine, clock, 2)
        await tamper(engine, text("UPDATE access_log SET occurred_at = 'not a time' WHERE seq = 2"))

    _on_database(database_url, garble)
    result = run_audit("verify")
    assert result.returncode == 1
    assert result.stdout.startswith("chain broken: an entry cannot be read")
    assert "Traceback" not in result.stderr
