"""Who is calling: a staff user (cookie or bearer session) or an integration API key."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec

from partner_contact.audit.service import Actor
from partner_contact.auth.roles import Role


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    kind: Literal["user", "api_key"]
    id: str
    role: Role | None = None
    team_id: uuid.UUID | None = None
    scopes: frozenset[str] = frozenset()
    session_id: uuid.UUID | None = None
    # False while a user who must use a second factor has not enrolled one yet.
    second_factor_done: bool = True
    # Set for cookie sessions only: unsafe methods must then carry the matching CSRF
    # token; bearer credentials are not sent by browsers on their own and need none.
    csrf_hash: bytes | None = None

    @property
    def user_id(self) -> uuid.UUID:
        if self.kind != "user":
            raise ValueError("an API key is not a user")
        return uuid.UUID(self.id)

    def as_actor(self) -> Actor:
        return Actor(kind=self.kind, id=self.id, role=self.role.value if self.role else None)
