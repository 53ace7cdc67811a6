"""Accounts, teams and integration keys, as an admin manages them and an attacker probes them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from partner_contact.auth.roles import Role, Scope
from partner_contact.clock import ManualClock
from partner_contact.logs import configure_logging
from partner_contact.settings import Settings
from tests.fixtures.staff import (
    PASSWORD,
    api_key_headers,
    auth_ctx,
    bearer_for,
    make_staff,
    sign_in_body,
    table_rows,
)

USERS = "/api/v1/users"
KEYS = "/api/v1/api-keys"


async def _admin(app: Litestar) -> dict[str, str]:
    return await bearer_for(app, await make_staff(app, Role.admin))


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-1A", "at least 12"),
        ("password1234", "too common"),
        ("qwertyuiop123", "too common"),
        ("maria.keller-2026!", "username"),
    ],
)
async def test_weak_passwords_are_refused_naming_the_field(
    app: Litestar, client: AsyncTestClient[Litestar], password: str, message: str
) -> None:
    response = await client.post(
        USERS,
        headers=await _admin(app),
        json={
            "username": "maria.keller",
            "display_name": "Maria",
            "role": "partner_worker",
            "password": password,
        },
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "password"
    assert message in problem["errors"][0]["message"]
    assert password not in response.text


async def test_admin_creates_updates_and_lists_accounts(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await _admin(app)
    team = (await client.post("/api/v1/teams", headers=admin, json={"name": "North"})).json()
    created = await client.post(
        USERS,
        headers=admin,
        json={
            "username": "Worker.One",
            "display_name": "Worker One",
            "role": "partner_worker",
            "password": PASSWORD,
            "team_id": team["id"],
        },
    )
    assert created.status_code == 201
    user = created.json()
    assert user["username"] == "worker.one"
    assert "password" not in created.text.lower().replace("password_", "")
    duplicate = await client.post(
        USERS,
        headers=admin,
        json={
            "username": "worker.one",
            "display_name": "Again",
            "role": "auditor",
            "password": PASSWORD,
        },
    )
    assert duplicate.status_code == 409
    updated = await client.patch(
        f"{USERS}/{user['id']}", headers=admin, json={"role": "supervisor"}
    )
    assert updated.json()["role"] == "supervisor"
    listed = await client.get(USERS, headers=admin)
    assert "worker.one" in [u["username"] for u in listed.json()]
    unknown_team = await client.patch(
        f"{USERS}/{user['id']}", headers=admin, json={"team_id": user["id"]}
    )
    assert unknown_team.status_code == 422


async def test_deactivating_an_account_ends_its_sessions(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    worker = await make_staff(app, Role.partner_worker)
    headers = await bearer_for(app, worker)
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    await client.patch(
        f"{USERS}/{worker.user.id}", headers=await _admin(app), json={"is_active": False}
    )
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_an_api_key_is_shown_once_and_stored_only_as_a_keyed_hash(
    app: Litestar, client: AsyncTestClient[Litestar], engine: AsyncEngine
) -> None:
    admin = await _admin(app)
    issued = await client.post(
        KEYS, headers=admin, json={"name": "Case system A", "scopes": ["referrals:read"]}
    )
    assert issued.status_code == 201
    key = issued.json()["key"]
    assert key.startswith("pc_")
    listing = await client.get(KEYS, headers=admin)
    assert key not in listing.text
    assert key.split("_")[2] not in listing.text
    rows = await table_rows(app, "api_key")
    assert key.split("_")[2] not in repr(rows)


async def test_api_keys_are_refused_when_wrong_revoked_or_expired(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    admin = await _admin(app)
    probe = "/api/v1/audit/entries"  # any route a key cannot use answers 403 to a valid key
    good = await client.post(
        KEYS,
        headers=admin,
        json={
            "name": "B",
            "scopes": ["directory:read"],
            "expires_at": (clock() + timedelta(days=1)).isoformat(),
        },
    )
    key = good.json()["key"]
    assert (await client.get(probe, headers={"Authorization": f"Bearer {key}"})).status_code == 403
    assert (await client.get(probe, headers={"X-API-Key": key})).status_code == 403
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert (
        await client.get(probe, headers={"Authorization": f"Bearer {forged}"})
    ).status_code == 401
    clock.advance(days=2)
    assert (await client.get(probe, headers={"Authorization": f"Bearer {key}"})).status_code == 401

    admin = await _admin(app)  # the first admin session has idled out meanwhile
    created = await client.post(
        KEYS, headers=admin, json={"name": "C", "scopes": ["referrals:write"]}
    )
    other = created.json()
    assert (
        await client.delete(f"{KEYS}/{other['api_key']['id']}", headers=admin)
    ).status_code == 204
    assert (
        await client.get(probe, headers={"Authorization": f"Bearer {other['key']}"})
    ).status_code == 401


async def test_api_key_use_is_recorded(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    headers = await api_key_headers(app, Scope.referrals_read)
    await client.get("/api/v1/auth/me", headers=headers)
    listing = await client.get(KEYS, headers=await _admin(app))
    assert listing.json()[0]["last_used_at"] is not None


async def test_failed_sign_in_and_denial_are_in_the_access_log_without_what_was_typed(
    app: Litestar, client: AsyncTestClient[Litestar], engine: AsyncEngine
) -> None:
    worker = await make_staff(app, Role.partner_worker)
    typed = "Tuesday-Secret-Guess-9"
    await client.post(
        "/api/v1/auth/tokens", json={"username": worker.user.username, "password": typed}
    )
    await client.get(USERS, headers=await bearer_for(app, worker))
    rows = await table_rows(app, "access_log")
    assert typed not in repr(rows)
    actions = set(await table_rows(app, "access_log", "action, outcome"))
    assert ("auth.login_failed", "failed") in actions
    assert ("access.denied", "denied") in actions


async def test_secrets_never_reach_logs_or_the_database_file(
    app: Litestar, client: AsyncTestClient[Litestar], settings: Settings, backend: str
) -> None:
    stream = io.StringIO()
    configure_logging("json", "debug", stream=stream)
    worker = await make_staff(app, Role.partner_worker)
    body = sign_in_body(worker, auth_ctx(app))
    token = (await client.post("/api/v1/auth/tokens", json=body)).json()["token"]
    secrets = [PASSWORD, token, worker.totp_secret or "", *worker.recovery_codes]
    logged = stream.getvalue()
    assert [s for s in secrets if s in logged] == []
    if backend == "sqlite":
        database = Path(settings.resolved_database_url.split("///", 1)[1])
        raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
        assert [s for s in secrets if s.encode() in raw] == []


def test_cli_creates_the_first_admin_with_a_prompted_password(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PC_")}
    env["PC_DATA_DIR"] = str(tmp_path)
    run = [sys.executable, "-m", "partner_contact"]
    assert (
        subprocess.run([*run, "keys", "init"], env=env, capture_output=True, timeout=60).returncode
        == 0
    )
    assert (
        subprocess.run([*run, "db", "upgrade"], env=env, capture_output=True, timeout=60).returncode
        == 0
    )
    weak = subprocess.run(
        [
            *run,
            "users",
            "create",
            "--username",
            "boss",
            "--display-name",
            "Boss",
            "--role",
            "admin",
        ],
        env=env,
        input="password1234\npassword1234\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert weak.returncode != 0
    assert "too common" in weak.stderr
    created = subprocess.run(
        [
            *run,
            "users",
            "create",
            "--username",
            "boss",
            "--display-name",
            "Boss",
            "--role",
            "admin",
        ],
        env=env,
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    assert "created admin boss" in created.stdout
    assert PASSWORD not in created.stdout + created.stderr
