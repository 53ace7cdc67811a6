"""The sandbox provider: nothing leaves the machine.

Each message is kept in a local mailbox (``sandbox_message``), sealed like any other
partner content, so a tester can read what each number received, reply, and make a
delivery fail (messaging/sandbox_controller.py). It is idempotent on the outbox key,
and its lookup always knows the answer.
"""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partner_contact.clock import Clock
from partner_contact.crypto.keyring import KeyringFile
from partner_contact.crypto.service import FieldCipher
from partner_contact.messaging.models import SandboxMessage
from partner_contact.messaging.providers.base import (
    ALL_CHANNELS,
    LookupResult,
    OutgoingMessage,
    SendResult,
)

TABLE = "sandbox_message"


def address_index(keyring_file: KeyringFile, channel: str, address: str) -> bytes:
    """The mailbox's lookup key for an address: the same blind index kind as partners'."""
    kind = "email" if channel == "email" else "phone"
    return keyring_file.current().blind_index(kind, address)


class SandboxProvider:
    name = "sandbox"
    channels = ALL_CHANNELS

    def __init__(
        self,
        *,
        session_maker: async_sessionmaker[AsyncSession],
        keyring_file: KeyringFile,
        clock: Clock,
    ) -> None:
        self._session_maker = session_maker
        self._keyring_file = keyring_file
        self._clock = clock

    async def send(self, message: OutgoingMessage) -> SendResult:
        async with self._session_maker.begin() as session:
            existing = await session.scalar(
                select(SandboxMessage).where(
                    SandboxMessage.idempotency_key == message.idempotency_key
                )
            )
            if existing is not None:
                return SendResult(
                    outcome="accepted", provider_message_id=existing.provider_message_id
                )
            cipher = FieldCipher(keyring=self._keyring_file.current(), clock=self._clock)
            data_key = await cipher.new_data_key(session)
            row = SandboxMessage(
                id=uuid.uuid4(),
                data_key_id=data_key.id,
                channel=message.channel,
                recipient_index=address_index(
                    self._keyring_file, message.channel, message.recipient
                ),
                idempotency_key=message.idempotency_key,
                provider_message_id="SB" + secrets.token_hex(16),
                status="accepted",
                created_at=self._clock(),
            )

            async def seal(column: str, value: str) -> bytes:
                return await cipher.encrypt(
                    session,
                    data_key_id=data_key.id,
                    table=TABLE,
                    column=column,
                    record_id=row.id,
                    plaintext=value,
                )

            row.recipient = await seal("recipient", message.recipient)
            row.body = await seal("body", message.body)
            row.subject = (
                None if message.subject is None else await seal("subject", message.subject)
            )
            session.add(row)
        return SendResult(outcome="accepted", provider_message_id=row.provider_message_id)

    async def lookup(self, message: OutgoingMessage) -> LookupResult:
        async with self._session_maker() as session:
            provider_message_id = await session.scalar(
                select(SandboxMessage.provider_message_id).where(
                    SandboxMessage.idempotency_key == message.idempotency_key
                )
            )
        if provider_message_id is None:
            return LookupResult(outcome="not_found")
        return LookupResult(outcome="found", provider_message_id=provider_message_id)

    async def aclose(self) -> None:
        return None
