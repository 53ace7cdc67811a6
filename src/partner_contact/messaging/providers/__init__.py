"""Message providers behind one interface, chosen by PC_PROVIDER."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partner_contact.clock import Clock
from partner_contact.crypto.keyring import KeyringFile
from partner_contact.messaging.providers.base import Provider
from partner_contact.messaging.providers.email import SmtpProvider
from partner_contact.messaging.providers.router import ChannelRouter
from partner_contact.messaging.providers.sandbox import SandboxProvider
from partner_contact.messaging.providers.twilio import TwilioProvider
from partner_contact.messaging.providers.whatsapp import WhatsAppProvider
from partner_contact.settings import Settings


def make_provider(
    settings: Settings,
    *,
    session_maker: async_sessionmaker[AsyncSession],
    keyring_file: KeyringFile,
    clock: Clock,
) -> ChannelRouter:
    """The providers the settings name, one per channel (settings checked them already)."""
    if settings.is_sandbox:
        sandbox = SandboxProvider(
            session_maker=session_maker, keyring_file=keyring_file, clock=clock
        )
        return ChannelRouter([sandbox])
    providers: list[Provider] = []
    for name in settings.providers:
        if name == "twilio":
            providers.append(TwilioProvider(settings.twilio, public_url=settings.public_url))
        elif name == "whatsapp":
            providers.append(WhatsAppProvider(settings.whatsapp))
        elif name == "smtp":
            providers.append(SmtpProvider(settings.email, clock=clock))
    return ChannelRouter(providers)
