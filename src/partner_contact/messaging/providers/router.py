"""One provider per channel: the dispatcher sends each message through its channel's."""

from __future__ import annotations

from collections.abc import Sequence

from partner_contact.messaging.providers.base import (
    LookupResult,
    MessageChannel,
    OutgoingMessage,
    Provider,
    SendResult,
)


class ChannelRouter:
    """The providers of a deployment; the first one named for a channel serves it."""

    name = "router"

    def __init__(self, providers: Sequence[Provider]) -> None:
        self._providers = list(providers)
        self._by_channel: dict[str, Provider] = {}
        for provider in self._providers:
            for channel in provider.channels:
                self._by_channel.setdefault(channel, provider)
        self.channels: frozenset[MessageChannel] = frozenset(
            channel for provider in self._providers for channel in provider.channels
        )

    def for_channel(self, channel: str) -> Provider | None:
        return self._by_channel.get(channel)

    async def send(self, message: OutgoingMessage) -> SendResult:
        provider = self.for_channel(message.channel)
        if provider is None:
            return SendResult(
                outcome="rejected", error_code="channel_unavailable", is_permanent=True
            )
        return await provider.send(message)

    async def lookup(self, message: OutgoingMessage) -> LookupResult:
        provider = self.for_channel(message.channel)
        if provider is None:
            return LookupResult(outcome="not_found")
        return await provider.lookup(message)

    async def aclose(self) -> None:
        for provider in self._providers:
            await provider.aclose()
