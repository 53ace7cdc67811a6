"""Signing in: password, second factor, throttling, lockout, and the sessions that result.

Sign-in runs its own transactions instead of the request's: a failed attempt must be
counted and logged although the request answers 401 (which rolls the request back).
Every failure looks the same to the caller, whether or not the account exists.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Literal

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.audit.service import Actor, record_access
from partner_contact.auth.context import AuthContext
from partner_contact.auth.models import LoginThrottle, RecoveryCode, StaffSession, StaffUser
from partner_contact.auth.passwords import hash_password, verify_password
from partner_contact.auth.roles import Role, needs_second_factor
from partner_contact.auth.secrets import digests_equal, keyed_digest, new_token, token_digest
from partner_contact.errors import DomainError

SessionKind = Literal["cookie", "bearer"]
TOTP_STEP_SECONDS = 30
# Back-off starts after this many failures and doubles each time, up to the cap.
_FREE_FAILURES = 3
_MAX_DELAY_SECONDS = 900
# last_seen_at is written at most this often, so reading pages does not write every time.
_TOUCH_EVERY = timedelta(seconds=15)

SIGN_IN_FAILED = DomainError(
    "sign_in_failed",
    "Sign-in failed",
    status=401,
    detail="Check your details and try again. If it keeps failing, ask your supervisor.",
)


@dataclasses.dataclass(frozen=True)
class SignIn:
    user: StaffUser
    session: StaffSession
    token: str
    csrf_token: str


def account_throttle_key(ctx: AuthContext, username: str) -> bytes:
    return keyed_digest(ctx.mac_key, "account:" + username.strip().lower())


def _throttle_keys(ctx: AuthContext, username: str, address: str) -> list[bytes]:
    return [account_throttle_key(ctx, username), keyed_digest(ctx.mac_key, "address:" + address)]


async def _retry_after(session: AsyncSession, keys: list[bytes], now: datetime) -> int:
    rows = (
        await session.scalars(select(LoginThrottle).where(LoginThrottle.key_hash.in_(keys)))
    ).all()
    wait = 0.0
    for row in rows:
        if row.failures >= _FREE_FAILURES:
            delay = min(2 ** (row.failures - _FREE_FAILURES), _MAX_DELAY_SECONDS)
            wait = max(wait, delay - (now - row.last_failure_at).total_seconds())
    return int(wait + 0.999) if wait > 0 else 0


def _totp_step(ctx: AuthContext) -> int:
    return int(ctx.clock().timestamp()) // TOTP_STEP_SECONDS


async def accept_totp(ctx: AuthContext, session: AsyncSession, user: StaffUser, code: str) -> bool:
    """A valid code for the current step (or one either side) not used before."""
    if not user.totp_secret or not code.isdigit():
        return False
    secret = await ctx.cipher().decrypt(
        session,
        data_key_id=user.data_key_id,
        table="staff_user",
        column="totp_secret",
        record_id=user.id,
        ciphertext=user.totp_secret,
    )
    totp = pyotp.TOTP(secret)
    now_step = _totp_step(ctx)
    for step in (now_step - 1, now_step, now_step + 1):
        if step > user.totp_last_step and digests_equal(
            totp.at(step * TOTP_STEP_SECONDS).encode(), code.encode()
        ):
            user.totp_last_step = step
            return True
    return False


async def _accept_recovery_code(
    ctx: AuthContext, session: AsyncSession, user: StaffUser, code: str
) -> bool:
    digest = keyed_digest(ctx.mac_key, "recovery:" + code.strip().lower())
    row = await session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest,
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = ctx.clock()
    return True


async def _second_factor(
    ctx: AuthContext,
    session: AsyncSession,
    user: StaffUser,
    *,
    totp_code: str | None,
    recovery_code: str | None,
) -> bool | None:
    """True when given and valid, False when required and not valid, None before enrolment."""
    if not (ctx.settings.require_totp and needs_second_factor(Role(user.role))):
        return True
    if not user.totp_enabled:
        return None
    if totp_code and await accept_totp(ctx, session, user, totp_code):
        return True
    return bool(recovery_code) and await _accept_recovery_code(
        ctx, session, user, recovery_code or ""
    )


async def start_session(
    ctx: AuthContext,
    session: AsyncSession,
    user: StaffUser,
    *,
    kind: SessionKind,
    second_factor_done: bool,
) -> SignIn:
    """A new session with a new id every time: nothing from before sign-in is reused."""
    now = ctx.clock()
    token, csrf_token = new_token("pcs"), new_token("csrf")
    row = StaffSession(
        id=uuid.uuid4(),
        user_id=user.id,
        token_hash=token_digest(token),
        csrf_hash=token_digest(csrf_token),
        kind=kind,
        second_factor_done=second_factor_done,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=ctx.settings.absolute_timeout_seconds),
    )
    session.add(row)
    return SignIn(user=user, session=row, token=token, csrf_token=csrf_token)


async def _record_failure(
    ctx: AuthContext, keys: list[bytes], user: StaffUser | None, request_id: str | None
) -> None:
    now = ctx.clock()
    async with ctx.session_maker.begin() as session:
        for key in keys:
            row = await session.get(LoginThrottle, key)
            if row is None:
                session.add(LoginThrottle(key_hash=key, failures=1, last_failure_at=now))
            else:
                row.failures += 1
                row.last_failure_at = now
        locked = False
        if user is not None:
            fresh = await session.get(StaffUser, user.id)
            if fresh is not None:
                fresh.failed_logins += 1
                if (
                    fresh.locked_at is None
                    and fresh.failed_logins >= ctx.settings.lockout_threshold
                ):
                    fresh.locked_at = now
                    locked = True
        target = {"object_type": "staff_user", "object_id": str(user.id)} if user else {}
        await record_access(
            session,
            actor=Actor(kind="anonymous", id=None, role=None),
            action="auth.login_failed",
            outcome="failed",
            request_id=request_id,
            clock=ctx.clock,
            **target,
        )
        if locked:
            await record_access(
                session,
                actor=Actor(kind="system", id=None, role=None),
                action="auth.account_locked",
                outcome="succeeded",
                request_id=request_id,
                clock=ctx.clock,
                **target,
            )


async def sign_in(
    ctx: AuthContext,
    *,
    username: str,
    password: str,
    totp_code: str | None,
    recovery_code: str | None,
    client_address: str,
    kind: SessionKind,
    request_id: str | None,
) -> SignIn:
    """Check the credentials and open a session, or raise the one generic failure."""
    keys = _throttle_keys(ctx, username, client_address)
    async with ctx.session_maker.begin() as session:
        wait = await _retry_after(session, keys, ctx.clock())
        if wait:
            raise DomainError(
                "too_many_attempts",
                "Too many sign-in attempts",
                status=429,
                detail=f"Try again in {wait} seconds.",
            )
        user = await session.scalar(
            select(StaffUser).where(func.lower(StaffUser.username) == username.strip().lower())
        )
        password_ok = await verify_password(
            ctx.hasher, user.password_hash if user else ctx.dummy_hash, password
        )
        usable = user is not None and user.is_active and user.locked_at is None
        factor = None
        if password_ok and usable and user is not None:
            factor = await _second_factor(
                ctx, session, user, totp_code=totp_code, recovery_code=recovery_code
            )
        if user is None or not password_ok or not usable or factor is False:
            failed_user = user
        else:
            if ctx.hasher.check_needs_rehash(user.password_hash):
                user.password_hash = await hash_password(ctx.hasher, password)
            user.failed_logins = 0
            await session.execute(
                update(LoginThrottle).where(LoginThrottle.key_hash.in_(keys)).values(failures=0)
            )
            result = await start_session(
                ctx, session, user, kind=kind, second_factor_done=factor is True
            )
            await record_access(
                session,
                actor=Actor(kind="user", id=str(user.id), role=user.role),
                action="auth.login",
                outcome="succeeded",
                object_type="staff_session",
                object_id=str(result.session.id),
                request_id=request_id,
                clock=ctx.clock,
            )
            return result
    await _record_failure(ctx, keys, failed_user, request_id)
    raise SIGN_IN_FAILED


@dataclasses.dataclass(frozen=True)
class ActiveSession:
    session: StaffSession
    user: StaffUser


async def resolve_session(ctx: AuthContext, token: str) -> ActiveSession | None:
    """The live session a token names, touched for the idle timeout; None when expired."""
    now = ctx.clock()
    idle = timedelta(seconds=ctx.settings.idle_timeout_seconds)
    async with ctx.session_maker.begin() as session:
        row = await session.scalar(
            select(StaffSession).where(StaffSession.token_hash == token_digest(token))
        )
        if (
            row is None
            or row.revoked_at is not None
            or now >= row.expires_at
            or now - row.last_seen_at >= idle
        ):
            return None
        user = await session.get(StaffUser, row.user_id)
        if user is None or not user.is_active or user.locked_at is not None:
            return None
        if now - row.last_seen_at >= _TOUCH_EVERY:
            row.last_seen_at = now
        return ActiveSession(session=row, user=user)


def csrf_matches(active: StaffSession, offered: str | None) -> bool:
    return bool(offered) and digests_equal(active.csrf_hash, token_digest(offered or ""))


async def end_sessions(
    session: AsyncSession, *, user_id: uuid.UUID, now: datetime, only: uuid.UUID | None = None
) -> int:
    """Revoke one session of a user, or all of them ("sign out everywhere")."""
    query = update(StaffSession).where(
        StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None)
    )
    if only is not None:
        query = query.where(StaffSession.id == only)
    result = await session.execute(query.values(revoked_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
