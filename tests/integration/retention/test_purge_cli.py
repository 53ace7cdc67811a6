"""`partner-contact purge` runs one purge now and prints the counts per kind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from partner_contact.db.engine import create_engine


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "partner_contact", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_purge_command_prints_counts_and_records_its_run(
    tmp_path: Path, database_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PC_")}
    env |= {"PC_DATA_DIR": str(tmp_path / "data"), "PC_DATABASE_URL": database_url}
    for command in (("keys", "init"), ("db", "upgrade")):
        assert _cli(*command, env=env).returncode == 0
    result = _cli("purge", env=env)
    assert result.returncode == 0, result.stderr
    assert "message_bodies: 0" in result.stdout.splitlines()
    assert "closed_cases_erased: 0" in result.stdout.splitlines()
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            runs = (await connection.execute(text("SELECT trigger FROM purge_run"))).all()
    finally:
        await engine.dispose()
    assert [tuple(run) for run in runs] == [("cli",)]
