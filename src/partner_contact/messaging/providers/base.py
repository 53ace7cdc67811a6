"""The one interface every message provider implements.

A send has three possible results, and the difference matters for her safety:
``accepted`` (the provider has it), ``rejected`` (the provider certainly did not take
it: safe to try again or move on) and ``ambiguous`` (the request may have gone out, for
example a timeout after sending). An ambiguous send is never repeated blindly: the
dispatcher asks :meth:`Provider.lookup` first and hands the case to a worker when the
provider cannot say.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Final, Literal, Protocol, get_args

MessageChannel = Literal["sms", "whatsapp", "email"]
ALL_CHANNELS: Final[frozenset[MessageChannel]] = frozenset(get_args(MessageChannel))
SendOutcome = Literal["accepted", "rejected", "ambiguous"]
LookupOutcome = Literal["found", "not_found", "unknown"]


@dataclasses.dataclass(frozen=True, kw_only=True, repr=False)
class OutgoingMessage:
    """One message on its way out; ``repr`` is withheld since it holds her address."""

    idempotency_key: str
    channel: MessageChannel
    recipient: str
    subject: str | None
    body: str
    template_kind: str  # first_contact, follow_up or fallback_offer
    language: str  # her language tag, for a provider's own template
    # She wrote to us on this channel in the last 24 hours (WhatsApp's service window).
    is_conversation_open: bool
    # When the dispatcher claimed it: a lookup searches from here.
    claimed_at: datetime


@dataclasses.dataclass(frozen=True, kw_only=True)
class SendResult:
    outcome: SendOutcome
    provider_message_id: str | None = None
    # The provider's own code for a rejection, e.g. "21610"; never a message text.
    error_code: str | None = None
    # A rejection that will not change on retry (bad number, blocked, opted out).
    is_permanent: bool = False
    # The provider says she opted out with it (Twilio error 21610).
    is_opt_out: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class LookupResult:
    outcome: LookupOutcome
    provider_message_id: str | None = None


class Provider(Protocol):
    """What the dispatcher needs from a provider; the rest (webhooks) lives beside it."""

    name: str
    channels: frozenset[MessageChannel]

    async def send(self, message: OutgoingMessage) -> SendResult: ...

    async def lookup(self, message: OutgoingMessage) -> LookupResult:
        """Whether this message reached the provider; ``unknown`` if it cannot say for sure."""
        ...

    async def aclose(self) -> None: ...
