"""Staff accounts and teams (admin), second-factor enrolment (each user for herself)."""

from __future__ import annotations

import secrets
import uuid

import pyotp
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.auth.context import AuthContext
from partner_contact.auth.models import LoginThrottle, RecoveryCode, StaffUser, Team
from partner_contact.auth.passwords import check_password_policy, hash_password, verify_password
from partner_contact.auth.roles import Role
from partner_contact.auth.secrets import keyed_digest
from partner_contact.auth.signin import accept_totp, account_throttle_key, end_sessions
from partner_contact.errors import DomainError, FieldError

RECOVERY_CODES = 10
TOTP_ISSUER = "partner-contact"


def _not_found(kind: str) -> DomainError:
    return DomainError("not_found", f"No such {kind}", status=404)


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> StaffUser:
    user = await session.get(StaffUser, user_id)
    if user is None:
        raise _not_found("user")
    return user


async def _check_team(session: AsyncSession, team_id: uuid.UUID | None) -> None:
    if team_id is not None and await session.get(Team, team_id) is None:
        raise DomainError(
            "unknown_team",
            "No such team",
            status=422,
            errors=[FieldError("team_id", "No such team")],
        )


async def create_user(
    session: AsyncSession,
    ctx: AuthContext,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    team_id: uuid.UUID | None = None,
) -> StaffUser:
    username = username.strip().lower()
    check_password_policy(password, username=username, min_length=ctx.settings.password_min_length)
    taken = await session.scalar(
        select(func.count()).where(func.lower(StaffUser.username) == username)
    )
    if taken:
        raise DomainError(
            "username_taken",
            "That username is taken",
            status=409,
            errors=[FieldError("username", "That username is taken")],
        )
    await _check_team(session, team_id)
    now = ctx.clock()
    data_key = await ctx.cipher().new_data_key(session)
    user = StaffUser(
        id=uuid.uuid4(),
        username=username,
        display_name=display_name,
        role=role.value,
        team_id=team_id,
        password_hash=await hash_password(ctx.hasher, password),
        data_key_id=data_key.id,
        totp_enabled=False,
        totp_last_step=0,
        is_active=True,
        failed_logins=0,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    await session.flush()
    return user


async def list_users(session: AsyncSession) -> list[StaffUser]:
    return list((await session.scalars(select(StaffUser).order_by(StaffUser.username))).all())


async def update_user(
    session: AsyncSession,
    ctx: AuthContext,
    *,
    user_id: uuid.UUID,
    display_name: str | None = None,
    role: Role | None = None,
    team_id: uuid.UUID | None = None,
    clear_team: bool = False,
    is_active: bool | None = None,
) -> StaffUser:
    user = await get_user(session, user_id)
    if display_name is not None:
        user.display_name = display_name
    if role is not None and role.value != user.role:
        user.role = role.value
        # A new role must be taken up by a fresh sign-in.
        await end_sessions(session, user_id=user.id, now=ctx.clock())
    if clear_team:
        user.team_id = None
    elif team_id is not None:
        await _check_team(session, team_id)
        user.team_id = team_id
    if is_active is not None:
        user.is_active = is_active
        if not is_active:
            await end_sessions(session, user_id=user.id, now=ctx.clock())
    await session.flush()
    return user


async def unlock_user(session: AsyncSession, ctx: AuthContext, *, user_id: uuid.UUID) -> StaffUser:
    """Unlock an account and forget its failed sign-ins (the per-address back-off stays)."""
    user = await get_user(session, user_id)
    user.locked_at = None
    user.failed_logins = 0
    await session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.key_hash == account_throttle_key(ctx, user.username)
        )
    )
    return user


async def set_password(
    session: AsyncSession,
    ctx: AuthContext,
    *,
    user: StaffUser,
    new_password: str,
    current_password: str | None,
) -> None:
    """Change a password (the user gives her current one) and end all her sessions."""
    if current_password is not None and not await verify_password(
        ctx.hasher, user.password_hash, current_password
    ):
        raise DomainError(
            "wrong_password",
            "The current password is not right",
            status=422,
            errors=[FieldError("current_password", "The current password is not right")],
        )
    check_password_policy(
        new_password, username=user.username, min_length=ctx.settings.password_min_length
    )
    user.password_hash = await hash_password(ctx.hasher, new_password)
    user.password_changed_at = ctx.clock()
    await end_sessions(session, user_id=user.id, now=ctx.clock())


async def begin_totp_enrolment(session: AsyncSession, ctx: AuthContext, *, user: StaffUser) -> str:
    """A new secret, stored encrypted and not yet enabled; returns the provisioning URI."""
    if user.totp_enabled:
        raise DomainError("totp_already_enabled", "A second factor is already set up", status=409)
    secret = pyotp.random_base32()
    user.totp_secret = await ctx.cipher().encrypt(
        session,
        data_key_id=user.data_key_id,
        table="staff_user",
        column="totp_secret",
        record_id=user.id,
        plaintext=secret,
    )
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


async def confirm_totp_enrolment(
    session: AsyncSession, ctx: AuthContext, *, user: StaffUser, code: str
) -> list[str]:
    """Enable the second factor once a code checks out; returns recovery codes, shown once."""
    if user.totp_enabled or user.totp_secret is None:
        raise DomainError("totp_not_pending", "No second-factor set-up is in progress", status=409)
    if not await accept_totp(ctx, session, user, code):
        raise DomainError(
            "invalid_code",
            "The code is not right",
            status=422,
            errors=[FieldError("code", "The code is not right")],
        )
    user.totp_enabled = True
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join(secrets.token_hex(3) for _ in range(3)) for _ in range(RECOVERY_CODES)]
    session.add_all(
        RecoveryCode(
            id=uuid.uuid4(),
            user_id=user.id,
            code_hash=keyed_digest(ctx.mac_key, "recovery:" + code),
        )
        for code in codes
    )
    return codes


async def create_team(session: AsyncSession, ctx: AuthContext, *, name: str) -> Team:
    if await session.scalar(select(func.count()).where(Team.name == name)):
        raise DomainError(
            "team_exists",
            "That team exists",
            status=409,
            errors=[FieldError("name", "That team exists")],
        )
    team = Team(id=uuid.uuid4(), name=name, created_at=ctx.clock())
    session.add(team)
    await session.flush()
    return team


async def list_teams(session: AsyncSession) -> list[Team]:
    return list((await session.scalars(select(Team).order_by(Team.name))).all())
