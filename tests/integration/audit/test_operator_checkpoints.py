"""An operator exports signed checkpoints; an auditor verifies with the public key alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.staff import PASSWORD


def _run(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "partner_contact", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_checkpoint_then_verify_with_only_the_public_key_and_detect_truncation(
    tmp_path: Path, database_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PC_")}
    env |= {"PC_DATA_DIR": str(tmp_path / "data"), "PC_DATABASE_URL": database_url}
    assert _run(env, "keys", "init").returncode == 0
    assert _run(env, "db", "upgrade").returncode == 0
    for name in ("first", "second"):
        created = _run(
            env,
            "users", "create", "--username", name, "--display-name", name, "--role", "auditor",
            stdin=f"{PASSWORD}\n{PASSWORD}\n",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
    checkpoint = _run(env, "audit", "checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stderr
    assert "checkpoint at seq 2" in checkpoint.stdout

    public_key = tmp_path / "audit.pub"
    public_key.write_text(_run(env, "audit", "public-key").stdout)
    assert public_key.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    exported = tmp_path / "data" / "audit-checkpoints.jsonl"
    assert oct(exported.stat().st_mode & 0o777) == "0o600"
    verify = ("audit", "verify", "--checkpoints", str(exported), "--public-key", str(public_key))
    intact = _run(env, *verify)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "chain intact: 2 entries" in intact.stdout

    truncate = (
        "import asyncio, sys\n"
        "from sqlalchemy import text\n"
        "from partner_contact.db.engine import create_engine\n"
        "async def main():\n"
        "    engine = create_engine(sys.argv[1])\n"
        "    async with engine.begin() as c:\n"
        "        await c.execute(text('DELETE FROM access_log WHERE seq = 2'))\n"
        "    await engine.dispose()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", truncate, database_url], check=True, timeout=60)
    broken = _run(env, *verify)
    assert broken.returncode == 1
    assert "truncated" in broken.stdout
