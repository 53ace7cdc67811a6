"""Message providers behind one interface, chosen by PC_PROVIDER."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partner_contact.clock import Clock
from partner_contact.crypto.keyring import KeyringFile
from partner_contact.messaging.providers.base import Provider
from partner_contact.messaging.providers.sandbox import SandboxProvider
from partner_contact.settings import Settings


def make_provider(
    settings: Settings,
    *,
    session_maker: async_sessionmaker[AsyncSession],
    keyring_file: KeyringFile,
    clock: Clock,
) -> Provider:
    """The provider the settings name; only the sandbox exists so far."""
    return SandboxProvider(session_maker=session_maker, keyring_file=keyring_file, clock=clock)
