"""Wire structs of sign-in, accounts, teams and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from partner_contact.auth.roles import Role, Scope
from partner_contact.payload import Payload

Username = Annotated[str, msgspec.Meta(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Code = Annotated[str, msgspec.Meta(min_length=6, max_length=32)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class SignInRequest(Payload):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Password
    totp_code: Code | None = None
    recovery_code: Code | None = None


class UserRead(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    team_id: uuid.UUID | None
    is_active: bool
    is_locked: bool
    second_factor_enabled: bool


class SessionRead(msgspec.Struct, kw_only=True):
    user: UserRead
    expires_at: datetime
    csrf_token: str
    second_factor_setup_required: bool


class TokenRead(msgspec.Struct, kw_only=True):
    user: UserRead
    token: str
    expires_at: datetime
    second_factor_setup_required: bool


class TotpEnrolment(msgspec.Struct, kw_only=True):
    provisioning_uri: str


class TotpConfirm(Payload):
    code: Code


class RecoveryCodes(msgspec.Struct, kw_only=True):
    recovery_codes: list[str]


class PasswordChange(Payload):
    current_password: Password
    new_password: Password


class PasswordReset(Payload):
    new_password: Password


class UserCreate(Payload):
    username: Username
    display_name: DisplayName
    role: Role
    password: Password
    team_id: uuid.UUID | None = None


class UserUpdate(Payload):
    display_name: DisplayName | None = None
    role: Role | None = None
    team_id: uuid.UUID | None = None
    remove_from_team: bool = False
    is_active: bool | None = None


class TeamCreate(Payload):
    name: Name


class TeamRead(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str


class ApiKeyCreate(Payload):
    name: Name
    scopes: Annotated[list[Scope], msgspec.Meta(min_length=1, max_length=len(Scope))]
    expires_at: datetime | None = None


class ApiKeyRead(msgspec.Struct, kw_only=True):
    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyIssued(msgspec.Struct, kw_only=True):
    api_key: ApiKeyRead
    key: str
