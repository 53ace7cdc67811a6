"""Signing in as staff and as an attacker would try it."""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie

import pyotp
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.models import StaffUser
from partner_contact.auth.roles import Role
from partner_contact.clock import ManualClock
from tests.fixtures.staff import (
    PASSWORD,
    auth_ctx,
    bearer_for,
    make_staff,
    make_team,
    on_app_loop,
    sign_in_body,
    table_rows,
)

TOKENS = "/api/v1/auth/tokens"
SESSION = "/api/v1/auth/session"
ME = "/api/v1/auth/me"


def _without_request_id(problem: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in problem.items() if k != "request_id"}


async def test_sign_in_with_password_and_code_gives_a_working_token(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    worker = await make_staff(app, Role.partner_worker)
    response = await client.post(TOKENS, json=sign_in_body(worker, auth_ctx(app)))
    assert response.status_code == 201
    body = response.json()
    assert body["second_factor_setup_required"] is False
    me = await client.get(ME, headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["username"] == worker.user.username


async def test_unknown_account_and_wrong_password_fail_identically(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    worker = await make_staff(app, Role.partner_worker)
    wrong_password = await client.post(
        TOKENS, json={"username": worker.user.username, "password": "x" * 14}
    )
    clock.advance(seconds=5)
    unknown = await client.post(TOKENS, json={"username": "nobody-here", "password": "x" * 14})
    assert wrong_password.status_code == unknown.status_code == 401
    assert _without_request_id(wrong_password.json()) == _without_request_id(unknown.json())


async def test_a_code_is_accepted_once_only(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    worker = await make_staff(app, Role.partner_worker)
    clock.advance(seconds=60)
    body = sign_in_body(worker, auth_ctx(app))
    assert (await client.post(TOKENS, json=body)).status_code == 201
    replay = await client.post(TOKENS, json=body)
    assert replay.status_code == 401


async def test_password_alone_is_not_enough_once_a_second_factor_is_set_up(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    worker = await make_staff(app, Role.partner_worker)
    response = await client.post(
        TOKENS, json={"username": worker.user.username, "password": PASSWORD}
    )
    assert response.status_code == 401


async def test_a_recovery_code_works_once(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    worker = await make_staff(app, Role.supervisor)
    body = {
        "username": worker.user.username,
        "password": PASSWORD,
        "recovery_code": worker.recovery_codes[0],
    }
    assert (await client.post(TOKENS, json=body)).status_code == 201
    clock.advance(seconds=1)
    assert (await client.post(TOKENS, json=body)).status_code == 401


async def test_without_an_enrolled_factor_only_enrolment_is_open(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    await make_staff(app, Role.admin, username="newadmin", with_totp=False)
    signed_in = await client.post(TOKENS, json={"username": "newadmin", "password": PASSWORD})
    assert signed_in.json()["second_factor_setup_required"] is True
    headers = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    assert (await client.get("/api/v1/users", headers=headers)).status_code == 403
    assert (await client.get(ME, headers=headers)).status_code == 200

    uri = (await client.post("/api/v1/auth/totp", headers=headers)).json()["provisioning_uri"]
    totp = pyotp.TOTP(pyotp.parse_uri(uri).secret)
    confirmed = await client.post(
        "/api/v1/auth/totp/confirm", headers=headers, json={"code": totp.at(clock().timestamp())}
    )
    assert confirmed.status_code == 200
    assert len(confirmed.json()["recovery_codes"]) == 10
    assert (await client.get("/api/v1/users", headers=headers)).status_code == 200


async def test_cookie_session_is_host_only_secure_and_strict(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    worker = await make_staff(app, Role.partner_worker)
    response = await client.post(SESSION, json=sign_in_body(worker, auth_ctx(app)))
    assert response.status_code == 200
    raw = response.headers["set-cookie"]
    cookie = SimpleCookie()
    cookie.load(raw)
    morsel = cookie["__Host-pc_session"]
    assert morsel["secure"]
    assert morsel["httponly"]
    assert morsel["samesite"].lower() == "strict"
    assert morsel["path"] == "/"
    assert not morsel["domain"]
    assert not morsel["max-age"]
    assert response.json()["csrf_token"]


async def test_every_sign_in_issues_a_new_session(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    worker = await make_staff(app, Role.facilitator)
    first = (await client.post(TOKENS, json=sign_in_body(worker, auth_ctx(app)))).json()["token"]
    clock.advance(seconds=31)
    second = (await client.post(TOKENS, json=sign_in_body(worker, auth_ctx(app)))).json()["token"]
    assert first != second


async def test_cookie_requests_that_change_things_need_the_csrf_token(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    worker = await make_staff(app, Role.partner_worker)
    signed_in = await client.post(SESSION, json=sign_in_body(worker, auth_ctx(app)))
    csrf = signed_in.json()["csrf_token"]
    client.cookies.set(
        "__Host-pc_session",
        SimpleCookie(signed_in.headers["set-cookie"])["__Host-pc_session"].value,
    )
    assert (await client.get(ME)).status_code == 200
    refused = await client.post("/api/v1/auth/sign-out-everywhere")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    wrong = await client.post(
        "/api/v1/auth/sign-out-everywhere", headers={"X-CSRF-Token": "csrf_wrong"}
    )
    assert wrong.status_code == 403
    accepted = await client.post("/api/v1/auth/sign-out-everywhere", headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 204
    assert (await client.get(ME)).status_code == 401


async def test_idle_and_absolute_timeouts_end_a_session(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    worker = await make_staff(app, Role.partner_worker)
    token = (await client.post(TOKENS, json=sign_in_body(worker, auth_ctx(app)))).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    clock.advance(seconds=299)
    assert (await client.get(ME, headers=headers)).status_code == 200
    clock.advance(seconds=301)
    assert (await client.get(ME, headers=headers)).status_code == 401

    clock.advance(seconds=31)
    signed_in_at = clock()
    token = (await client.post(TOKENS, json=sign_in_body(worker, auth_ctx(app)))).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    while (await client.get(ME, headers=headers)).status_code == 200:  # busy all day
        clock.advance(minutes=4)
        assert clock() - signed_in_at <= timedelta(hours=8, minutes=4)
    assert clock() - signed_in_at >= timedelta(hours=8)


async def test_sign_out_and_sign_out_everywhere(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    worker = await make_staff(app, Role.auditor)
    tokens = []
    for _ in range(3):
        clock.advance(seconds=31)
        tokens.append(
            (await client.post(TOKENS, json=sign_in_body(worker, auth_ctx(app)))).json()["token"]
        )
    first, second, third = ({"Authorization": f"Bearer {t}"} for t in tokens)
    assert (await client.delete(SESSION, headers=first)).status_code == 204
    assert (await client.get(ME, headers=first)).status_code == 401
    assert (await client.get(ME, headers=second)).status_code == 200
    assert (
        await client.post("/api/v1/auth/sign-out-everywhere", headers=second)
    ).status_code == 204
    assert (await client.get(ME, headers=third)).status_code == 401


async def test_repeated_failures_are_slowed_down_then_lock_the_account(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    team = await make_team(app)
    worker = await make_staff(app, Role.partner_worker, team_id=team)
    supervisor = await make_staff(app, Role.supervisor, team_id=team)
    outsider = await make_staff(app, Role.supervisor, team_id=await make_team(app))
    bad = {"username": worker.user.username, "password": "Wrong-Password-123"}
    for _ in range(10):  # the default lockout threshold, each after the back-off has passed
        assert (await client.post(TOKENS, json=bad)).status_code == 401
        clock.advance(seconds=1000)
    clock.advance(seconds=31)
    locked = await client.post(TOKENS, json=sign_in_body(worker, auth_ctx(app)))
    assert locked.status_code == 401  # the right password no longer opens a locked account

    unlock = f"/api/v1/users/{worker.user.id}/unlock"
    assert (await client.post(unlock, headers=await bearer_for(app, outsider))).status_code == 403
    assert (await client.post(unlock, headers=await bearer_for(app, supervisor))).status_code == 200
    clock.advance(seconds=1000)  # the per-address back-off of this client still applies
    assert (await client.post(TOKENS, json=sign_in_body(worker, auth_ctx(app)))).status_code == 201


async def test_a_fourth_quick_failure_is_told_to_wait(
    app: Litestar, client: AsyncTestClient[Litestar], clock: ManualClock
) -> None:
    bad = {"username": "someone", "password": "Wrong-Password-123"}
    for _ in range(3):
        assert (await client.post(TOKENS, json=bad)).status_code == 401
    waiting = await client.post(TOKENS, json=bad)
    assert waiting.status_code == 429
    assert waiting.json()["code"] == "too_many_attempts"
    assert "Try again in" in waiting.json()["detail"]
    clock.advance(seconds=2)
    assert (await client.post(TOKENS, json=bad)).status_code == 401


async def test_a_hash_made_with_old_parameters_is_upgraded_at_sign_in(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    worker = await make_staff(app, Role.facilitator)
    old_hasher = PasswordHasher(time_cost=3, memory_cost=19_456, parallelism=1)

    async def set_old_hash() -> None:
        async with auth_ctx(app).session_maker.begin() as session:
            user = await session.get(StaffUser, worker.user.id)
            assert user is not None
            user.password_hash = old_hasher.hash(PASSWORD)

    await on_app_loop(app, set_old_hash)
    response = await client.post(
        TOKENS, json={"username": worker.user.username, "password": PASSWORD}
    )
    assert response.status_code == 201
    [(stored,)] = await table_rows(
        app, f"staff_user WHERE username = '{worker.user.username}'", "password_hash"
    )
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
