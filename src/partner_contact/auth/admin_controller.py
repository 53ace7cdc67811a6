"""Staff accounts, teams and integration API keys: ``/api/v1/users``, ``/teams``, ``/api-keys``.

Admins manage them; a supervisor may also unlock an account of her own team. None of
these routes reads partner content.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from partner_contact.auth import apikeys, users
from partner_contact.auth.controller import user_read
from partner_contact.auth.deps import DbSession, log_action, principal_of
from partner_contact.auth.guards import policy
from partner_contact.auth.models import ApiKey
from partner_contact.auth.roles import Role
from partner_contact.auth.schemas import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyRead,
    PasswordReset,
    TeamCreate,
    TeamRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from partner_contact.errors import DomainError, problem_responses

_ADMIN = policy(Role.admin)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]

    @get(
        "/",
        operation_id="listUsers",
        summary="All staff accounts",
        opt=_ADMIN,
        responses=problem_responses(401, 403),
    )
    async def list_users(self, db_session: DbSession) -> list[UserRead]:
        return [user_read(user) for user in await users.list_users(db_session)]

    @post(
        "/",
        operation_id="createUser",
        summary="Create a staff account",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 409, 413, 422),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        data: JSONBody[UserCreate],
    ) -> UserRead:
        user = await users.create_user(
            db_session,
            state.auth,
            username=data.username,
            display_name=data.display_name,
            role=data.role,
            password=data.password,
            team_id=data.team_id,
        )
        await log_action(
            request,
            db_session,
            action="user.create",
            object_type="staff_user",
            object_id=str(user.id),
        )
        return user_read(user)

    @get(
        "/{user_id:uuid}",
        operation_id="getUser",
        summary="One staff account",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def get(self, db_session: DbSession, user_id: FromPath[uuid.UUID]) -> UserRead:
        return user_read(await users.get_user(db_session, user_id))

    @patch(
        "/{user_id:uuid}",
        operation_id="updateUser",
        summary="Change a staff account's name, role, team or active state",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 404, 413, 422),
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[UserUpdate],
    ) -> UserRead:
        user = await users.update_user(
            db_session,
            state.auth,
            user_id=user_id,
            display_name=data.display_name,
            role=data.role,
            team_id=data.team_id,
            clear_team=data.remove_from_team,
            is_active=data.is_active,
        )
        await log_action(
            request,
            db_session,
            action="user.update",
            object_type="staff_user",
            object_id=str(user_id),
        )
        return user_read(user)

    @post(
        "/{user_id:uuid}/unlock",
        operation_id="unlockUser",
        summary="Unlock an account locked after failed sign-ins",
        opt=policy(Role.admin, Role.supervisor),
        status_code=200,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def unlock(
        self, request: Request[Any, Any, Any], db_session: DbSession, user_id: FromPath[uuid.UUID]
    ) -> UserRead:
        principal = principal_of(request)
        target = await users.get_user(db_session, user_id)
        if principal.role == Role.supervisor and (
            target.team_id is None or target.team_id != principal.team_id
        ):
            raise DomainError(
                "not_your_team", "A supervisor unlocks accounts of her own team only", status=403
            )
        user = await users.unlock_user(db_session, request.app.state.auth, user_id=user_id)
        await log_action(
            request,
            db_session,
            action="user.unlock",
            object_type="staff_user",
            object_id=str(user_id),
        )
        return user_read(user)

    @put(
        "/{user_id:uuid}/password",
        operation_id="resetUserPassword",
        summary="Set a new password for a staff account; ends its sessions",
        opt=_ADMIN,
        status_code=204,
        responses=problem_responses(400, 401, 403, 404, 413, 422),
    )
    async def reset_password(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[PasswordReset],
    ) -> None:
        user = await users.get_user(db_session, user_id)
        await users.set_password(
            db_session, state.auth, user=user, new_password=data.new_password, current_password=None
        )
        await log_action(
            request,
            db_session,
            action="user.password_reset",
            object_type="staff_user",
            object_id=str(user_id),
        )


class TeamController(Controller):
    path = "/api/v1/teams"
    tags = ["users"]

    @get(
        "/",
        operation_id="listTeams",
        summary="All teams",
        opt=_ADMIN,
        responses=problem_responses(401, 403),
    )
    async def list_teams(self, db_session: DbSession) -> list[TeamRead]:
        return [TeamRead(id=team.id, name=team.name) for team in await users.list_teams(db_session)]

    @post(
        "/",
        operation_id="createTeam",
        summary="Create a team",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 409, 413),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        data: JSONBody[TeamCreate],
    ) -> TeamRead:
        team = await users.create_team(db_session, state.auth, name=data.name)
        await log_action(
            request, db_session, action="team.create", object_type="team", object_id=str(team.id)
        )
        return TeamRead(id=team.id, name=team.name)


def _api_key_read(key: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=key.id,
        name=key.name,
        scopes=list(key.scopes),
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


class ApiKeyController(Controller):
    path = "/api/v1/api-keys"
    tags = ["api-keys"]

    @get(
        "/",
        operation_id="listApiKeys",
        summary="All integration API keys",
        opt=_ADMIN,
        responses=problem_responses(401, 403),
    )
    async def list_api_keys(self, db_session: DbSession) -> list[ApiKeyRead]:
        return [_api_key_read(key) for key in await apikeys.list_api_keys(db_session)]

    @post(
        "/",
        operation_id="issueApiKey",
        summary="Issue an integration API key; the key is shown once",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 413, 422),
    )
    async def issue(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        data: JSONBody[ApiKeyCreate],
    ) -> ApiKeyIssued:
        issued = await apikeys.issue_api_key(
            db_session,
            state.auth,
            name=data.name,
            scopes=data.scopes,
            expires_at=data.expires_at,
            created_by=principal_of(request).user_id,
        )
        await log_action(
            request,
            db_session,
            action="api_key.issue",
            object_type="api_key",
            object_id=issued.key.id,
        )
        return ApiKeyIssued(api_key=_api_key_read(issued.key), key=issued.plaintext)

    @delete(
        "/{key_id:str}",
        operation_id="revokeApiKey",
        summary="Revoke an integration API key",
        opt=_ADMIN,
        responses=problem_responses(400, 401, 403, 404),
    )
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        key_id: FromPath[str],
    ) -> None:
        await apikeys.revoke_api_key(db_session, state.auth, key_id=key_id)
        await log_action(
            request, db_session, action="api_key.revoke", object_type="api_key", object_id=key_id
        )
