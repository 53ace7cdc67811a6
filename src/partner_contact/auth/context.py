"""What the auth services need from the application, built once at start-up."""

from __future__ import annotations

import dataclasses
import secrets

from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partner_contact.auth.passwords import make_hasher
from partner_contact.clock import Clock
from partner_contact.crypto.keyring import KeyringFile
from partner_contact.crypto.service import FieldCipher
from partner_contact.settings import AuthSettings


@dataclasses.dataclass(frozen=True, kw_only=True)
class AuthContext:
    settings: AuthSettings
    hasher: PasswordHasher
    keyring_file: KeyringFile
    session_maker: async_sessionmaker[AsyncSession]
    clock: Clock
    # Verified against when the account does not exist, so both paths cost the same.
    dummy_hash: str = dataclasses.field(repr=False)

    @classmethod
    def create(
        cls,
        *,
        settings: AuthSettings,
        keyring_file: KeyringFile,
        session_maker: async_sessionmaker[AsyncSession],
        clock: Clock,
    ) -> AuthContext:
        hasher = make_hasher(settings)
        return cls(
            settings=settings,
            hasher=hasher,
            keyring_file=keyring_file,
            session_maker=session_maker,
            clock=clock,
            dummy_hash=hasher.hash(secrets.token_urlsafe(16)),
        )

    @property
    def mac_key(self) -> bytes:
        """The key for stored digests of API-key secrets and throttle keys."""
        return self.keyring_file.current().mac_key

    def cipher(self) -> FieldCipher:
        return FieldCipher(keyring=self.keyring_file.current(), clock=self.clock)
