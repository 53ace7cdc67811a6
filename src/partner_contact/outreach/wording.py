"""Neutral wording: SMS segment counting and the linter for outreach templates.

A message to her may be read by him. The linter rejects any template text that could
reveal who wrote or why: links, the organisation's name, words about violence,
programmes, police, shelters, courts or support services, and placeholders that could
carry a name. An SMS must also fit one segment, so it arrives as one message.

Everything here is a pure function over admin-written template text (never her data),
so a problem's ``detail`` may quote the offending word.

Matching rules, all case- and accent-insensitive (text is case-folded and NFKD-folded
with combining marks dropped, so "TÄTER", "Täter" and "tater" are one word):

* Blocked words are *stems*: an entry matches any word that begins with it ("violen"
  matches "violence", "violent", "violenza"). An entry of several words matches them
  in order with any punctuation or spacing between ("safety plan", "safety-plan").
  A few German stems also match inside a compound ("Männerberatung", "Gewaltopfer").
  The words of every supported language are checked whatever the template's
  language: a mixed-language message must be neutral too.
* Link-like text: a scheme ("https://", "mailto:"), "www", an e-mail address, any
  token ``word.tld`` where ``tld`` is 2-24 letters directly after the dot ("example.org",
  "bit.ly/x", and also "now.Are": a missing space after a full stop looks like a
  domain to phones, so the linter asks for the space), and spelled-out dots before a
  common top-level domain ("example dot com", "example (.) org", "beispiel punkt de").
  Numbers such as times ("10.30") and abbreviations ("e.g.") are not links.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Final, Literal

import msgspec

Channel = Literal["sms", "whatsapp", "email"]
Encoding = Literal["gsm7", "ucs2"]

# 3GPP TS 23.038 default alphabet (0x1B is the escape to the extension table, not a
# character of its own) and its extension table, whose characters take two septets.
_GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039eÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION: Final = frozenset("\f^{}\\[~]|€")

_SINGLE_LIMIT: Final[Mapping[Encoding, int]] = MappingProxyType({"gsm7": 160, "ucs2": 70})
_PART_LIMIT: Final[Mapping[Encoding, int]] = MappingProxyType({"gsm7": 153, "ucs2": 67})

# An SMS must fit one segment instead (see ``count_segments``).
MAX_BODY_CHARS: Final[Mapping[str, int]] = MappingProxyType({"whatsapp": 1024, "email": 2000})
MAX_SUBJECT_CHARS: Final = 78

LINT_CODES: Final[tuple[str, ...]] = (
    "empty",
    "too_long",
    "second_segment",
    "link",
    "org_name",
    "blocked_word",
    "placeholder",
    "subject_required",
    "subject_forbidden",
)


@dataclasses.dataclass(frozen=True)
class SegmentCount:
    encoding: Encoding
    units: int  # GSM-7 septets (extension chars count 2) or UTF-16 code units
    segments: int  # 1 if units <= 160 (gsm7) / 70 (ucs2); multipart: 153 / 67 per part


def _is_gsm7(char: str) -> bool:
    return char in _GSM7_BASIC or char in _GSM7_EXTENSION


def _unit_costs(text: str, encoding: Encoding) -> list[int]:
    if encoding == "gsm7":
        return [2 if char in _GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def count_segments(text: str) -> SegmentCount:
    """How an SMS of ``text`` is encoded and into how many segments it is split.

    A multipart message never splits an escape pair or a surrogate pair across two
    parts, so it can need one more part than ``ceil(units / 153)`` (or 67) suggests.
    An empty text still costs one segment.
    """
    encoding: Encoding = "gsm7" if all(_is_gsm7(char) for char in text) else "ucs2"
    costs = _unit_costs(text, encoding)
    units = sum(costs)
    if units <= _SINGLE_LIMIT[encoding]:
        return SegmentCount(encoding=encoding, units=units, segments=1)
    part_limit = _PART_LIMIT[encoding]
    segments, filled = 1, 0
    for cost in costs:
        if filled + cost > part_limit:
            segments, filled = segments + 1, 0
        filled += cost
    return SegmentCount(encoding=encoding, units=units, segments=segments)


class LintProblem(msgspec.Struct, frozen=True, kw_only=True):
    code: str  # one of LINT_CODES
    detail: str  # a short sentence for the admin; may quote the template, never her data


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", char).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case-folded text without accents, for comparing words ("Täter" -> "tater")."""
    return "".join(_fold_char(char) for char in text)


_EDGE_PUNCTUATION: Final = "\"'()[]<>.,;:!?¡¿«»"


class _Folded:
    """Folded text that remembers where each of its characters came from."""

    def __init__(self, text: str) -> None:
        self.original = text
        parts: list[str] = []
        self._origin: list[int] = []
        for index, char in enumerate(text):
            folded = _fold_char(char)
            parts.append(folded)
            self._origin.extend([index] * len(folded))
        self.text = "".join(parts)

    def quote(self, start: int, end: int, *, widen: Literal["", "word", "token"] = "") -> str:
        """The original text behind ``text[start:end]``, widened to whole words or tokens."""

        def belongs(char: str) -> bool:
            return char.isalnum() if widen == "word" else not char.isspace()

        if widen:
            while start > 0 and belongs(self.text[start - 1]):
                start -= 1
            while end < len(self.text) and belongs(self.text[end]):
                end += 1
        quoted = self.original[self._origin[start] : self._origin[end - 1] + 1]
        return quoted.strip(_EDGE_PUNCTUATION) if widen == "token" else quoted


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in order, overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# Stems, as an admin would read them; see the module docstring for how they match.
DEFAULT_BLOCKED_WORDS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "en": (
            "violen", "abus", "assault", "harass", "stalk", "molest", "perpetrator",
            "offender", "victim", "survivor", "domestic", "programme", "program",
            "police", "arrest", "prison", "jail", "probation", "court", "judge", "lawyer",
            "solicitor", "injunction", "restraining order", "protection order", "shelter",
            "refuge", "safe house", "safety plan", "counsel", "therap", "helpline",
            "hotline", "support service", "support worker", "social work",
            "social services", "caseworker", "case worker", "advoca", "idva", "marac",
            "anger management", "intervention", "crisis",
        ),
        "de": (
            "Gewalt", "Polizei", "Frauenhaus", "Gericht", "Richter", "Täter", "Opfer",
            "Programm", "Beratung", "häusliche", "Misshandlung", "Missbrauch", "Notruf",
            "Hilfetelefon", "Jugendamt", "Anwalt", "Therapie", "Sozialarbeit",
            "Strafanzeige", "Gefängnis", "Bewährung", "Krise", "Kontaktverbot",
            "Betretungsverbot", "Wegweisung", "einstweilige Verfügung", "Schutzwohnung",
            "Sicherheitsplan",
        ),
        "fr": (
            "violence", "violent", "conjugal", "maltrait", "abus", "agression",
            "agresseur", "harcèlement", "harceleur", "auteur", "victime", "police",
            "gendarme", "commissariat", "plainte", "main courante", "tribunal", "juge",
            "avocat", "foyer", "refuge", "hébergement d'urgence", "programme",
            "thérapie", "thérapeute", "ordonnance de protection",
        ),
        "it": (
            "violenza", "violento", "antiviolenza", "centro antiviolenza",
            "casa rifugio", "rifugio", "maltratt", "abus", "vittima", "vittime",
            "polizia", "poliziott", "carabinier", "questura", "denunc", "tribunale",
            "giudic", "avvocat", "programma", "terapi", "carcere", "prigione",
            "ordine di protezione", "allontanamento",
        ),
        "es": (
            "violencia", "violento", "maltrat", "abus", "agresor", "agresión", "víctima",
            "policía", "guardia civil", "mossos", "ertzaintza", "comisaría", "denuncia",
            "juzgado", "tribunal", "juez", "abogad", "orden de alejamiento",
            "orden de protección", "casa de acogida", "centro de acogida", "refugio",
            "programa", "terapia", "cárcel", "prisión",
        ),
    }
)  # fmt: skip

# German stems that also match inside a compound word ("Männerberatung").
_COMPOUND_STEMS: Final = frozenset(
    fold(word)
    for word in (
        "Gewalt", "Polizei", "Frauenhaus", "Gericht", "Täter", "Opfer", "Programm",
        "Beratung", "Misshandlung", "Missbrauch", "Notruf", "Hilfetelefon", "Jugendamt",
        "Anwalt", "Sozialarbeit",
    )
)  # fmt: skip
# Ordinary words that merely contain a stem ("ausgerichtet", "courtesy", "une courte").
_NOT_BLOCKED: Final = ("gerichtet", "courte", "courtyard")


def _stem_pattern(entry: str) -> re.Pattern[str] | None:
    words = re.findall(r"[^\W_]+", fold(entry))
    if not words:
        return None
    body = r"[\W_]*".join(re.escape(word) for word in words)
    if " ".join(words) in _COMPOUND_STEMS:
        return re.compile(body)
    return re.compile(r"(?<![^\W_])" + body)


def _blocked_patterns(extra: Sequence[str]) -> Iterator[tuple[str, re.Pattern[str]]]:
    defaults = (entry for entries in DEFAULT_BLOCKED_WORDS.values() for entry in entries)
    for entry in (*defaults, *extra):
        pattern = _stem_pattern(entry)
        if pattern is not None:
            yield entry, pattern


@functools.lru_cache(maxsize=32)
def _patterns(extra: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(_blocked_patterns(extra))


# Top-level domains worth catching when the dot is spelled out or spaced out.
_SPOKEN_TLDS: Final = (
    "com|org|net|info|biz|eu|de|at|ch|fr|it|es|be|nl|lu|li|pt|uk|co|io|ly|me|app|online"
)
_DOT_WORDS: Final = "dot|punkt|point|punto"
# "point de vue", "en punto de", "punto es": ordinary phrases, not addresses.
_DOT_WORD_ORDINARY: Final = frozenset({("point", "de"), ("punto", "de"), ("punto", "es")})

_LINK_PATTERNS: Final = (
    re.compile(r"[a-z][a-z0-9+.-]*\s*:\s*/\s*/"),
    re.compile(r"(?<![^\W_])(?:https?|ftp|mailto)\s*:"),
    re.compile(r"(?<![^\W_])www(?![^\W_])"),
    re.compile(r"[^\W_][\w.+-]*@[^\W_][\w-]*(?:\.[\w-]+)*"),
    re.compile(r"[^\W_]+\s*[\[(]\s*(?:at|@)\s*[\])]\s*[^\W_]+"),
    re.compile(r"(?<![^\W_])[^\W_][\w-]*(?:\.[\w-]+)*\.[^\W\d_]{2,24}(?![^\W_])"),
    re.compile(
        r"[^\W_]\s*(?:[\[(]\s*(?:\.|" + _DOT_WORDS + r")\s*[\])]|\s\.)\s*"
        r"(?:" + _SPOKEN_TLDS + r")(?![^\W_])"
    ),
)
_DOT_WORD_LINK: Final = re.compile(
    r"[^\W_]+\s+(" + _DOT_WORDS + r")\s+(" + _SPOKEN_TLDS + r")(?![^\W_])"
)

_PLACEHOLDER: Final = re.compile(
    r"""
    \{\{.*?\}\}                                  # {{ name }}
    | \$\{[^}]*\}                                # ${name}
    | \{[^{}\n]*\}                               # {name}, {0}, {}
    | \$[A-Za-z_]\w*                             # $name
    | %\([^)\n]*\)[-#0+ ]*\d*(?:\.\d+)?[A-Za-z]  # %(name)s
    | %\d+\$[A-Za-z]                             # %1$s
    | %[-#0+]?\d*(?:\.\d+)?[sdifr](?![^\W_])     # %s, %d
    | %[A-Za-z_]\w*%                             # %NAME%
    | <\s*[A-Za-z_][\w .-]{0,40}>                # <name>
    | \[\s*[^\W\d][\w .-]{0,40}\]                # [NAME], [first name]
    """,
    re.VERBOSE,
)


def _links(folded: _Folded) -> Iterator[str]:
    spans = [match.span() for pattern in _LINK_PATTERNS for match in pattern.finditer(folded.text)]
    spans.extend(
        match.span()
        for match in _DOT_WORD_LINK.finditer(folded.text)
        if (match.group(1), match.group(2)) not in _DOT_WORD_ORDINARY
    )
    for start, end in _merged(spans):
        yield folded.quote(start, end, widen="token")


def _org_names(folded: _Folded, org_names: Sequence[str]) -> Iterator[str]:
    for name in org_names:
        words = re.findall(r"[^\W_]+", fold(name))
        if not words:
            continue
        pattern = r"(?<![^\W_])" + r"[\W_]*".join(map(re.escape, words)) + r"(?![^\W_])"
        match = re.search(pattern, folded.text)
        if match:
            yield folded.quote(match.start(), match.end())


def _blocked(folded: _Folded, extra: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(entry, the words it matched), once per stretch of text, the earliest entry first."""
    patterns = _patterns(tuple(extra))
    found: dict[tuple[int, int], str] = {}
    for entry, pattern in patterns:
        for match in pattern.finditer(folded.text):
            word = fold(folded.quote(*match.span(), widen="word"))
            if not any(ordinary in word for ordinary in _NOT_BLOCKED):
                found.setdefault(match.span(), entry)
    for start, end in _merged(found):
        entry = next(e for (s, t), e in found.items() if start <= s and t <= end)
        yield entry, folded.quote(start, end, widen="word")


def _content_problems(
    text: str, *, prefix: str, org_names: Sequence[str], extra: Sequence[str]
) -> Iterator[LintProblem]:
    """The checks a body and an e-mail subject share; ``org_names`` empty when allowed."""
    folded = _Folded(text)
    for found in dict.fromkeys(_links(folded)):
        detail = f'{prefix}"{found}" looks like a web or e-mail address.'
        yield LintProblem(code="link", detail=detail)
    for found in dict.fromkeys(_org_names(folded, org_names)):
        yield LintProblem(code="org_name", detail=f'{prefix}"{found}" names the organisation.')
    seen: set[str] = set()
    for entry, found in _blocked(folded, extra):
        if fold(found) not in seen:  # each word once, however often it appears
            seen.add(fold(found))
            detail = f'{prefix}"{found}" can reveal what the message is about ("{entry}").'
            yield LintProblem(code="blocked_word", detail=detail)
    for match in _PLACEHOLDER.finditer(text):
        detail = f'{prefix}"{match.group()}" looks like a placeholder; templates carry no names.'
        yield LintProblem(code="placeholder", detail=detail)


def _first_non_gsm7(text: str) -> str:
    return next((char for char in text if not _is_gsm7(char)), "")


def _length_problems(body: str, channel: Channel) -> Iterator[LintProblem]:
    if channel == "sms":
        count = count_segments(body)
        if count.segments > 1:
            limit = _SINGLE_LIMIT[count.encoding]
            why = (
                f' (UCS-2 because of "{_first_non_gsm7(body)}")' if count.encoding == "ucs2" else ""
            )
            yield LintProblem(
                code="second_segment",
                detail=f"The SMS needs {count.segments} segments: {count.units} of "
                f"{limit} units{why}; it must fit one.",
            )
    elif len(body) > MAX_BODY_CHARS[channel]:
        yield LintProblem(
            code="too_long",
            detail=f"The text has {len(body)} characters; at most "
            f"{MAX_BODY_CHARS[channel]} fit a {channel} message.",
        )


def lint_template(
    body: str,
    *,
    channel: Channel,
    subject: str | None = None,
    org_names: Sequence[str] = (),
    may_name_org: bool = False,
    blocked_words: Sequence[str] = (),
    language: str = "en",
) -> list[LintProblem]:
    """Every reason this template could reveal something or arrive badly; [] if none.

    ``blocked_words`` are the organisation's own stems, added to every language's
    defaults. ``language`` does not narrow the check (all languages are checked);
    it is accepted so callers can pass the template as it is stored.
    """
    del language  # every language's words are checked, whatever the template's
    problems: list[LintProblem] = []
    names = () if may_name_org else org_names
    if not body.strip():
        problems.append(LintProblem(code="empty", detail="The message has no text."))
    else:
        problems.extend(_length_problems(body, channel))
        problems.extend(_content_problems(body, prefix="", org_names=names, extra=blocked_words))
    if channel == "email":
        if subject is None or not subject.strip():
            problems.append(
                LintProblem(code="subject_required", detail="An e-mail needs a neutral subject.")
            )
        else:
            if len(subject) > MAX_SUBJECT_CHARS:
                detail = f"Subject: {len(subject)} characters; at most {MAX_SUBJECT_CHARS} fit."
                problems.append(LintProblem(code="too_long", detail=detail))
            problems.extend(
                _content_problems(subject, prefix="Subject: ", org_names=names, extra=blocked_words)
            )
    elif subject is not None:
        problems.append(
            LintProblem(code="subject_forbidden", detail=f"A {channel} message has no subject.")
        )
    return problems


__all__ = [
    "DEFAULT_BLOCKED_WORDS",
    "LINT_CODES",
    "MAX_BODY_CHARS",
    "MAX_SUBJECT_CHARS",
    "Channel",
    "Encoding",
    "LintProblem",
    "SegmentCount",
    "count_segments",
    "fold",
    "lint_template",
]
