"""The command line as an operator uses it: upgrade, serve, probe, stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

SPEC_FILE = Path(__file__).parents[2] / "openapi" / "openapi.json"


def _cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "partner_contact", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PC_")}
    return {**env, "PC_DATA_DIR": str(tmp_path / "data"), "PC_DATABASE_URL": database_url}


def test_upgrade_then_serve_answers_ready(cli_env: dict[str, str]) -> None:
    assert _cli("keys", "init", env=cli_env).returncode == 0
    upgraded = _cli("db", "upgrade", env=cli_env)
    assert upgraded.returncode == 0, upgraded.stderr
    if cli_env["PC_DATABASE_URL"].startswith("sqlite"):
        database = Path(cli_env["PC_DATABASE_URL"].split("///", 1)[1])
        files = list(database.parent.glob(database.name + "*"))
        assert {oct(file.stat().st_mode & 0o777) for file in files} == {"0o600"}

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "partner_contact", "serve", "--port", str(port)],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                assert server.poll() is None, server.communicate()[1]
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert "server" not in response.headers
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0
    assert "request.completed" in stderr


def test_openapi_command_prints_the_checked_in_spec(cli_env: dict[str, str]) -> None:
    result = _cli("openapi", env=cli_env)
    assert result.returncode == 0
    assert json.loads(result.stdout) == json.loads(SPEC_FILE.read_text())


@pytest.mark.parametrize(
    "command",
    [[], ["serve"], ["db"], ["db", "upgrade"], ["db", "current"], ["openapi"], ["version"]],
)
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    result = _cli(*command, "--help", env={**os.environ, "PC_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0
    assert "Usage:" in result.stdout
