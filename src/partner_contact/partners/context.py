"""What partner services need from a request, built by the controller."""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.audit.models import Outcome
from partner_contact.audit.service import record_access
from partner_contact.auth.deps import principal_of
from partner_contact.auth.principal import Principal
from partner_contact.clock import Clock
from partner_contact.crypto.keyring import Keyring
from partner_contact.crypto.service import FieldCipher
from partner_contact.requestctx import request_id_of


@dataclasses.dataclass(frozen=True, kw_only=True)
class Caller:
    principal: Principal
    cipher: FieldCipher
    keyring: Keyring
    clock: Clock
    request_id: str

    @classmethod
    def of(cls, request: Request[Any, Any, Any]) -> Caller:
        state = request.app.state
        return cls(
            principal=principal_of(request),
            cipher=state.auth.cipher(),  # one per request: unwrapped keys die with it
            keyring=state.keyring_file.current(),
            clock=state.clock,
            request_id=request_id_of(request.scope),
        )

    async def log(
        self,
        session: AsyncSession,
        *,
        action: str,
        object_type: str,
        object_id: object,
        purpose: str | None = None,
        outcome: Outcome = "succeeded",
    ) -> None:
        """An access-log entry in the same transaction as the action it records."""
        await record_access(
            session,
            actor=self.principal.as_actor(),
            action=action,
            outcome=outcome,
            object_type=object_type,
            object_id=str(object_id),
            purpose=purpose,
            request_id=self.request_id,
            clock=self.clock,
        )
