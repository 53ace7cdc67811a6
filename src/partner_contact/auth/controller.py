"""Sign-in, sign-out, one's own account and second factor: ``/api/v1/auth``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import Cookie, State
from litestar.params import JSONBody

from partner_contact.auth.deps import DbSession, log_action, principal_of
from partner_contact.auth.guards import PUBLIC, policy
from partner_contact.auth.middleware import SESSION_COOKIE
from partner_contact.auth.models import StaffSession, StaffUser
from partner_contact.auth.roles import ALL_STAFF, Role
from partner_contact.auth.schemas import (
    PasswordChange,
    RecoveryCodes,
    SessionRead,
    SignInRequest,
    TokenRead,
    TotpConfirm,
    TotpEnrolment,
    UserRead,
)
from partner_contact.auth.signin import SessionKind, SignIn, end_sessions, sign_in
from partner_contact.auth.users import (
    begin_totp_enrolment,
    confirm_totp_enrolment,
    get_user,
    set_password,
)
from partner_contact.errors import problem_responses
from partner_contact.requestctx import request_id_of

_ANY_STAFF_EARLY = policy(*ALL_STAFF, before_second_factor=True)
_ANY_STAFF = policy(*ALL_STAFF)


def user_read(user: StaffUser) -> UserRead:
    return UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        team_id=user.team_id,
        is_active=user.is_active,
        is_locked=user.locked_at is not None,
        second_factor_enabled=user.totp_enabled,
    )


async def _sign_in(
    request: Request[Any, Any, Any], data: SignInRequest, kind: SessionKind
) -> SignIn:
    return await sign_in(
        request.app.state.auth,
        username=data.username,
        password=data.password,
        totp_code=data.totp_code,
        recovery_code=data.recovery_code,
        client_address=request.client.host if request.client else "unknown",
        kind=kind,
        request_id=request_id_of(request.scope),
    )


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post(
        "/session",
        operation_id="signIn",
        summary="Sign in to the web client (session cookie)",
        opt=PUBLIC,
        status_code=200,
        responses=problem_responses(400, 401, 413, 429),
    )
    async def sign_in_cookie(
        self, request: Request[Any, Any, Any], data: JSONBody[SignInRequest]
    ) -> Response[SessionRead]:
        result = await _sign_in(request, data, "cookie")
        body = SessionRead(
            user=user_read(result.user),
            expires_at=result.session.expires_at,
            csrf_token=result.csrf_token,
            second_factor_setup_required=not result.session.second_factor_done,
        )
        # A browser-session cookie (no Max-Age): closing the browser ends it on a shared device.
        cookie = Cookie(
            key=SESSION_COOKIE,
            value=result.token,
            path="/",
            secure=True,
            httponly=True,
            samesite="strict",
        )
        return Response(body, cookies=[cookie])

    @post(
        "/tokens",
        operation_id="issueStaffToken",
        summary="Sign in for a staff tool (bearer token, shown once)",
        opt=PUBLIC,
        status_code=201,
        responses=problem_responses(400, 401, 413, 429),
    )
    async def sign_in_bearer(
        self, request: Request[Any, Any, Any], data: JSONBody[SignInRequest]
    ) -> TokenRead:
        result = await _sign_in(request, data, "bearer")
        return TokenRead(
            user=user_read(result.user),
            token=result.token,
            expires_at=result.session.expires_at,
            second_factor_setup_required=not result.session.second_factor_done,
        )

    @delete(
        "/session",
        operation_id="signOut",
        summary="Sign out of this session",
        opt=_ANY_STAFF_EARLY,
        responses=problem_responses(401, 403),
    )
    async def sign_out(
        self, request: Request[Any, Any, Any], db_session: DbSession
    ) -> Response[None]:
        principal = principal_of(request)
        await end_sessions(
            db_session,
            user_id=principal.user_id,
            now=request.app.state.clock(),
            only=principal.session_id,
        )
        await log_action(
            request,
            db_session,
            action="auth.logout",
            object_type="staff_session",
            object_id=str(principal.session_id),
        )
        response: Response[None] = Response(None, status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @post(
        "/sign-out-everywhere",
        operation_id="signOutEverywhere",
        summary="End every session of the signed-in user",
        opt=_ANY_STAFF_EARLY,
        status_code=204,
        responses=problem_responses(401, 403),
    )
    async def sign_out_everywhere(
        self, request: Request[Any, Any, Any], db_session: DbSession
    ) -> None:
        principal = principal_of(request)
        await end_sessions(db_session, user_id=principal.user_id, now=request.app.state.clock())
        await log_action(
            request,
            db_session,
            action="auth.logout_all",
            object_type="staff_user",
            object_id=principal.id,
        )

    @get(
        "/me",
        operation_id="getMe",
        summary="The signed-in user",
        opt=_ANY_STAFF_EARLY,
        responses=problem_responses(401, 403),
    )
    async def me(self, request: Request[Any, Any, Any], db_session: DbSession) -> UserRead:
        return user_read(await get_user(db_session, principal_of(request).user_id))

    @post(
        "/totp",
        operation_id="beginTotpEnrolment",
        summary="Start setting up the authenticator-app second factor",
        opt=_ANY_STAFF_EARLY,
        status_code=201,
        responses=problem_responses(401, 403, 409),
    )
    async def begin_totp(
        self, request: Request[Any, Any, Any], db_session: DbSession, state: State
    ) -> TotpEnrolment:
        user = await get_user(db_session, principal_of(request).user_id)
        uri = await begin_totp_enrolment(db_session, state.auth, user=user)
        return TotpEnrolment(provisioning_uri=uri)

    @post(
        "/totp/confirm",
        operation_id="confirmTotpEnrolment",
        summary="Finish second-factor set-up with a code; returns recovery codes once",
        opt=_ANY_STAFF_EARLY,
        status_code=200,
        responses=problem_responses(400, 401, 403, 409, 413, 422),
    )
    async def confirm_totp(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        data: JSONBody[TotpConfirm],
    ) -> RecoveryCodes:
        principal = principal_of(request)
        user = await get_user(db_session, principal.user_id)
        codes = await confirm_totp_enrolment(db_session, state.auth, user=user, code=data.code)
        current = await db_session.get(StaffSession, principal.session_id)
        if current is not None:
            current.second_factor_done = True
        await log_action(
            request,
            db_session,
            action="auth.totp_enabled",
            object_type="staff_user",
            object_id=principal.id,
        )
        return RecoveryCodes(recovery_codes=codes)

    @put(
        "/password",
        operation_id="changeOwnPassword",
        summary="Change one's own password; ends every session",
        opt=_ANY_STAFF,
        status_code=204,
        responses=problem_responses(400, 401, 403, 413, 422),
    )
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        state: State,
        data: JSONBody[PasswordChange],
    ) -> None:
        principal = principal_of(request)
        user = await get_user(db_session, principal.user_id)
        await set_password(
            db_session,
            state.auth,
            user=user,
            new_password=data.new_password,
            current_password=data.current_password,
        )
        await log_action(
            request,
            db_session,
            action="auth.password_changed",
            object_type="staff_user",
            object_id=principal.id,
        )
