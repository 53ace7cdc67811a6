"""The neutral texts the service ships, for organisations that have not written their own.

Each reads like a short note from an acquaintance: no organisation, no names, no links,
nothing about why we write. The digit answers (1 = can talk now, 2 = not now) are what
``replies.classify_reply`` understands in every language.

Every text is one GSM-7 SMS segment, so none is split or re-encoded: the French,
Italian and Spanish wording avoids the accented letters GSM-7 lacks (á, í, ó, ú, ç, ê,
â, ...), using only é, è, à, ì, ò, ù and ¿, and plain apostrophes. The tests hold
every text to ``lint_template`` and to one GSM-7 segment.

The same body serves SMS, WhatsApp and e-mail; an e-mail adds a neutral subject.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal, get_args

from partner_contact.outreach.wording import Channel

TemplateKind = Literal["first_contact", "follow_up", "fallback_offer"]

SUPPORTED_LANGUAGES: Final[tuple[str, ...]] = ("en", "de", "fr", "it", "es")
FALLBACK_LANGUAGE: Final = "en"


@dataclasses.dataclass(frozen=True)
class DefaultTemplate:
    kind: TemplateKind
    channel: Channel
    language: str
    body: str
    subject: str | None


# (body, e-mail subject) per kind and language.
_TEXTS: Final[Mapping[TemplateKind, Mapping[str, tuple[str, str]]]] = MappingProxyType(
    {
        "first_contact": {
            "en": (
                "Hi, is this a good moment for a private phone call? "
                "Reply 1 if you can talk now, or 2 if not now.",
                "Quick question",
            ),
            "de": (
                "Hallo, passt es gerade für ein Telefonat unter vier Augen? "
                "Antworte 1, wenn du jetzt reden kannst, oder 2, wenn es gerade nicht geht.",
                "Kurze Frage",
            ),
            "fr": (
                "Bonjour, est-ce un bon moment pour un appel en privé ? "
                "Réponds 1 si tu peux parler maintenant, ou 2 si ce n'est pas le moment.",
                "Petite question",
            ),
            "it": (
                "Ciao, è un buon momento per una telefonata in privato? "
                "Rispondi 1 se puoi parlare ora, o 2 se non è il momento.",
                "Una domanda veloce",
            ),
            "es": (
                "Hola, ¿es buen momento para una llamada en privado? "
                "Responde 1 si puedes hablar ahora, o 2 si ahora no.",
                "Una pregunta",
            ),
        },
        "follow_up": {
            "en": (
                "Hi again, just checking: can you talk privately on the phone now? "
                "Reply 1 for yes, or 2 if not now.",
                "Checking in",
            ),
            "de": (
                "Hallo nochmal, kannst du jetzt ungestört telefonieren? "
                "Antworte 1 für ja, oder 2, wenn es gerade nicht passt.",
                "Nochmal kurz",
            ),
            "fr": (
                "Re-bonjour, peux-tu parler en privé au téléphone maintenant ? "
                "Réponds 1 pour oui, ou 2 si ce n'est pas le moment.",
                "Petit rappel",
            ),
            "it": (
                "Ciao di nuovo, puoi parlare al telefono in privato adesso? "
                "Rispondi 1 per sì, o 2 se non è il momento.",
                "Solo un promemoria",
            ),
            "es": (
                "Hola de nuevo, ¿puedes hablar por teléfono en privado ahora? "
                "Responde 1 si puedes, o 2 si ahora no.",
                "Te escribo de nuevo",
            ),
        },
        "fallback_offer": {
            "en": (
                "No problem. You can write to me here whenever you are on your own "
                "and it suits you.",
                "Whenever suits you",
            ),
            "de": (
                "Kein Problem. Du kannst mir hier jederzeit schreiben, wenn du allein bist "
                "und es dir passt.",
                "Wann es dir passt",
            ),
            "fr": (
                "Pas de souci. Tu peux m'écrire ici quand tu es seule et quand cela te convient.",
                "Quand tu veux",
            ),
            "it": (
                "Nessun problema. Puoi scrivermi qui quando sei sola e quando ti va.",
                "Quando vuoi",
            ),
            "es": (
                "No pasa nada. Puedes escribirme en cualquier momento en que estés sola "
                "y te venga bien.",
                "Cuando quieras",
            ),
        },
    }
)

_CHANNELS: Final[tuple[Channel, ...]] = get_args(Channel)


def _build() -> tuple[DefaultTemplate, ...]:
    return tuple(
        DefaultTemplate(
            kind=kind,
            channel=channel,
            language=language,
            body=body,
            subject=subject if channel == "email" else None,
        )
        for kind, texts in _TEXTS.items()
        for language, (body, subject) in texts.items()
        for channel in _CHANNELS
    )


DEFAULT_TEMPLATES: Final[tuple[DefaultTemplate, ...]] = _build()
_BY_KEY: Final[Mapping[tuple[str, str, str], DefaultTemplate]] = MappingProxyType(
    {(t.kind, t.channel, t.language): t for t in DEFAULT_TEMPLATES}
)


def base_language(language: str) -> str:
    """The supported language a tag falls back to: "de-AT" -> "de", "pt" -> "en"."""
    primary = language.strip().replace("_", "-").split("-", 1)[0].casefold()
    return primary if primary in SUPPORTED_LANGUAGES else FALLBACK_LANGUAGE


def default_template(kind: TemplateKind, channel: Channel, language: str) -> DefaultTemplate:
    """The shipped text for ``kind`` on ``channel``, in ``language`` or else in English."""
    try:
        return _BY_KEY[(kind, channel, base_language(language))]
    except KeyError:
        raise ValueError(f"no default template for {kind!r} on {channel!r}") from None


__all__ = [
    "DEFAULT_TEMPLATES",
    "FALLBACK_LANGUAGE",
    "SUPPORTED_LANGUAGES",
    "DefaultTemplate",
    "TemplateKind",
    "base_language",
    "default_template",
]
