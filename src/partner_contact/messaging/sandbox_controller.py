"""The sandbox API (``/api/v1/sandbox``), mounted only while the sandbox provider is active.

It lets a tester play her phone: read what each address received, reply, and make a
delivery fail. Replies and statuses enter the engine through the same internal path as a
real provider's webhooks (messaging/inbound.py). What it shows is partner content, so
only partner workers and supervisors reach it and every read is logged.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy import select, union

from partner_contact.auth.deps import DbSession
from partner_contact.auth.guards import policy
from partner_contact.auth.roles import Role
from partner_contact.contact_details import e164, normalised_email
from partner_contact.errors import DomainError, FieldError, problem_responses
from partner_contact.messaging.inbound import (
    InboundText,
    StatusReport,
    receive_inbound,
    receive_status,
)
from partner_contact.messaging.models import SandboxMessage
from partner_contact.messaging.providers.base import MessageChannel
from partner_contact.messaging.providers.sandbox import TABLE
from partner_contact.outreach.engine import Engine
from partner_contact.participants.models import Participant
from partner_contact.partners.access import reachable_cases
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner
from partner_contact.payload import Payload

AnyRequest = Request[Any, Any, Any]
WORKERS = policy(Role.partner_worker, Role.supervisor)
_ERRORS = problem_responses(400, 401, 403, 404, 413, 422)


class SandboxMessageRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    channel: str
    recipient: str
    subject: str | None
    # None once the retention period erased it.
    body: str | None
    provider_message_id: str
    status: str
    created_at: datetime


class SandboxReply(Payload):
    """A message as if she (or anyone) sent it to the service."""

    channel: MessageChannel
    sender: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=1600)]
    # The provider's own opt-out signal, as Twilio reports it with OptOutType=STOP.
    is_opt_out: bool = False


class SandboxReplyResult(msgspec.Struct, frozen=True, kw_only=True):
    inbound_id: uuid.UUID | None
    is_duplicate: bool
    is_matched: bool
    kind: str | None


class SandboxStatus(Payload):
    status: Literal["delivered", "failed"]
    error_code: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_]{1,32}$")] | None = None
    # A failure that will not change on retry (unreachable, landline): next channel.
    is_permanent: bool = True


class SandboxStatusResult(msgspec.Struct, frozen=True, kw_only=True):
    is_changed: bool


def _engine(request: AnyRequest) -> Engine:
    engine: Engine = request.app.state.outreach_engine
    return engine


def _sender(channel: str, raw: str) -> str:
    value = normalised_email(raw) if channel == "email" else e164(raw)
    if value is None:
        raise DomainError(
            "validation_failed",
            "The sender is not valid",
            status=422,
            errors=[
                FieldError("sender", "not a phone number in +country form or an e-mail address")
            ],
        )
    return value


class SandboxController(Controller):
    path = "/api/v1/sandbox"
    tags = ["sandbox"]

    @get(
        "/messages",
        operation_id="listSandboxMessages",
        summary="What the sandbox delivered to your partners, newest first (a logged read)",
        opt=WORKERS,
        responses=problem_responses(400, 401, 403),
    )
    async def list_messages(
        self, request: AnyRequest, db_session: DbSession
    ) -> list[SandboxMessageRead]:
        caller = Caller.of(request)
        # Only what went to partners the caller works with (matched by blind index).
        her_cases = (
            select(Partner)
            .join(Participant, Participant.id == Partner.participant_id)
            .where(reachable_cases(caller.principal))
            .where(Participant.facilitator_id.is_distinct_from(caller.principal.user_id))
            .subquery()
        )
        addresses = union(
            select(her_cases.c.phone_index),
            select(her_cases.c.whatsapp_index),
            select(her_cases.c.email_index),
        )
        rows = (
            await db_session.scalars(
                select(SandboxMessage)
                .where(SandboxMessage.recipient_index.in_(select(addresses.subquery())))
                .order_by(SandboxMessage.created_at.desc(), SandboxMessage.id)
                .limit(200)
            )
        ).all()

        async def open_(row: SandboxMessage, column: str, value: bytes | None) -> str | None:
            if value is None:
                return None
            return await caller.cipher.decrypt(
                db_session,
                data_key_id=row.data_key_id,
                table=TABLE,
                column=column,
                record_id=row.id,
                ciphertext=value,
            )

        items = []
        for row in rows:
            recipient = await open_(row, "recipient", row.recipient)
            assert recipient is not None
            items.append(
                SandboxMessageRead(
                    id=row.id,
                    channel=row.channel,
                    recipient=recipient,
                    subject=await open_(row, "subject", row.subject),
                    body=await open_(row, "body", row.body),
                    provider_message_id=row.provider_message_id,
                    status=row.status,
                    created_at=row.created_at,
                )
            )
        await caller.log(
            db_session,
            action="sandbox.read",
            object_type="sandbox_message",
            object_id="all",
            purpose="outreach",
        )
        return items

    @post(
        "/replies",
        operation_id="postSandboxReply",
        summary="Send a reply into the service as if from her phone or mailbox",
        opt=WORKERS,
        responses=_ERRORS,
        status_code=200,
    )
    async def post_reply(
        self, request: AnyRequest, db_session: DbSession, data: JSONBody[SandboxReply]
    ) -> SandboxReplyResult:
        caller = Caller.of(request)
        outcome = await receive_inbound(
            _engine(request),
            db_session,
            InboundText(
                provider="sandbox",
                provider_message_id="SBIN" + secrets.token_hex(16),
                channel=data.channel,
                sender=_sender(data.channel, data.sender),
                body=data.body,
                received_at=caller.clock(),
                is_opt_out=data.is_opt_out,
            ),
        )
        await caller.log(
            db_session,
            action="sandbox.reply",
            object_type="inbound_message",
            object_id=outcome.inbound_id or "none",
        )
        return SandboxReplyResult(
            inbound_id=outcome.inbound_id,
            is_duplicate=outcome.is_duplicate,
            is_matched=outcome.partner_id is not None,
            kind=None if outcome.kind is None else outcome.kind.value,
        )

    @post(
        "/messages/{message_id:uuid}/status",
        operation_id="postSandboxStatus",
        summary="Report a delivery status for a sandbox message, as a provider would",
        opt=WORKERS,
        responses=_ERRORS,
        status_code=200,
    )
    async def post_status(
        self,
        request: AnyRequest,
        db_session: DbSession,
        message_id: FromPath[uuid.UUID],
        data: JSONBody[SandboxStatus],
    ) -> SandboxStatusResult:
        caller = Caller.of(request)
        row = await db_session.scalar(
            select(SandboxMessage).where(SandboxMessage.id == message_id).with_for_update()
        )
        if row is None:
            raise DomainError("not_found", "No such sandbox message", status=404)
        changed = await receive_status(
            _engine(request),
            db_session,
            StatusReport(
                provider="sandbox",
                provider_message_id=row.provider_message_id,
                status=data.status,
                error_code=data.error_code,
                is_permanent=data.is_permanent,
            ),
        )
        if changed:
            row.status = data.status
        await caller.log(
            db_session, action="sandbox.status", object_type="sandbox_message", object_id=row.id
        )
        return SandboxStatusResult(is_changed=changed)
