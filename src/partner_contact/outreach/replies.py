"""What her reply to an outreach message means, in the five supported languages.

A reply counts as "yes" or "not now" only when it clearly is one as a whole; anything
longer, mixed ("yes but later"), hedged ("maybe", "who is this?") or a question goes
to a worker as ``other``. Opt-outs are the exception, read generously, because
messaging someone who asked to stop is the worse mistake:

1. ``stop``: a stop word anywhere in a short reply (up to four words), a message made
   only of stop words and courtesies, or a reply that starts with an unmistakable one
   ("stop", "stopp", "basta", ...). Ambiguous words ("halt", "alto", "baja") count only
   on their own or with courtesies ("alto, por favor").
2. ``help``: the same for help words ("help", "hilfe", "aiuto", "sos", ...): she may
   need someone now, so a worker is alerted at once.
3. ``yes`` / ``not_now`` / ``start``: every word belongs to that answer or is a
   courtesy ("Ja, gerne", "no thanks", "1."), or the reply is at most four words and
   opens with the answer ("yes I'm free"). A question mark makes it ``other``.
4. Everything else: ``other``.

Text is case-folded, accents dropped (NFKD), apostrophes removed ("can't" -> "cant")
and split into words; punctuation and emoji between words are ignored. For a
supported language the words of that language and English count; for any other
language, those of all of them. The digits 1 (yes) and 2 (not now) always count.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

CARRIER_STOP_WORDS: Final[tuple[str, ...]] = (
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
)
_SHORT_REPLY_WORDS: Final = 4
_MAX_REPLY_WORDS: Final = 8


class ReplyKind(enum.StrEnum):
    yes = "yes"
    not_now = "not_now"
    stop = "stop"
    start = "start"
    help = "help"
    other = "other"


# Word classes beyond the reply kinds.
_FILLER: Final = "filler"  # courtesies that change nothing: "please", "danke", "ok"
_HEDGE: Final = "hedge"  # words that make a reply unclear: "but", "maybe", "who"
_STOP_ALONE: Final = "stop_alone"  # stop only when nothing else is said: "halt"
_STOP_FIRST: Final = "stop_first"  # stop even when it opens a longer message
_HELP_FIRST: Final = "help_first"
_YES_ALONE: Final = "yes_alone"  # "y" / "n": only as the whole reply
_NOT_NOW_ALONE: Final = "not_now_alone"

_Vocabulary = Mapping[str, tuple[str, ...]]

_ENGLISH: Final[_Vocabulary] = {
    ReplyKind.yes: (
        "yes", "yeah", "yea", "yep", "yup", "sure", "now", "yes now", "now is good",
        "now is fine", "now works", "go ahead", "i can", "i can talk", "can talk",
        "i can talk now", "can talk now", "im free", "free now", "call me", "call now",
        "call me now",
    ),
    ReplyKind.not_now: (
        "no", "nope", "nah", "not now", "not right now", "later", "not yet", "not today",
        "cant", "i cant", "cannot", "can not", "cant talk", "cant now", "cant talk now",
        "busy", "im busy", "bad time", "not a good time", "another time", "maybe later",
    ),
    ReplyKind.start: ("start", "unstop"),
    ReplyKind.stop: (*(word.casefold() for word in CARRIER_STOP_WORDS), "opt out"),
    _STOP_FIRST: ("stop", "stopall", "unsubscribe", "optout"),
    ReplyKind.help: ("help", "info", "sos"),
    _HELP_FIRST: ("help", "sos"),
    _YES_ALONE: ("y",),
    _NOT_NOW_ALONE: ("n",),
    _FILLER: (
        "please", "pls", "plz", "thanks", "thank you", "thx", "ty", "ok", "okay", "hi",
        "hello", "hey", "sorry",
    ),
    _HEDGE: (
        "but", "however", "maybe", "perhaps", "who", "what", "why", "wrong", "if",
        "unless", "except", "only", "wait", "not", "dont", "never", "tomorrow", "tonight",
        "morning", "afternoon", "evening", "minute", "minutes", "min", "mins", "hour",
        "hours",
    ),
}  # fmt: skip

_LANGUAGES: Final[Mapping[str, _Vocabulary]] = {
    "de": {
        ReplyKind.yes: (
            "ja", "jo", "jap", "jep", "klar", "jetzt", "passt", "jetzt passt", "passt jetzt",
            "geht jetzt", "jetzt geht", "ich kann", "kann jetzt", "ich kann jetzt",
            "ruf an", "ruf mich an", "ruf mich jetzt an",
        ),
        ReplyKind.not_now: (
            "nein", "nee", "ne", "nö", "später", "spaeter", "nicht jetzt", "jetzt nicht",
            "gerade nicht", "grad nicht", "geht nicht", "geht gerade nicht",
            "geht jetzt nicht", "kann nicht", "ich kann nicht", "kann gerade nicht",
            "kann jetzt nicht", "passt nicht", "passt gerade nicht", "passt jetzt nicht",
            "jetzt schlecht", "schlecht", "noch nicht", "heute nicht", "nicht heute",
            "leider nicht",
        ),
        ReplyKind.stop: ("stopp",),
        _STOP_FIRST: ("stopp",),
        _STOP_ALONE: ("halt",),
        ReplyKind.help: ("hilfe",),
        _HELP_FIRST: ("hilfe",),
        _FILLER: ("bitte", "danke", "hallo", "gerne", "gern", "leider", "sorry", "ok"),
        _HEDGE: (
            "aber", "vielleicht", "wer", "was", "warum", "wieso", "nicht", "kein", "morgen",
            "abend", "abends", "nachmittag", "minuten", "stunde",
        ),
    },
    "fr": {
        ReplyKind.yes: (
            "oui", "ouais", "ouai", "d'accord", "bien sûr", "maintenant", "je peux",
            "je peux maintenant", "c'est bon", "vas-y", "allez-y", "oui maintenant",
            "appelle-moi",
        ),
        ReplyKind.not_now: (
            "non", "pas maintenant", "plus tard", "pas tout de suite", "pas encore",
            "je ne peux pas", "je peux pas", "peux pas", "pas possible", "pas le moment",
            "ce n'est pas le moment", "c'est pas le moment", "pas aujourd'hui",
        ),
        ReplyKind.stop: ("arrêt", "arrête", "arrêtez", "arrêter"),
        _STOP_FIRST: ("arrêt", "arrête", "arrêtez", "arrêter"),
        ReplyKind.help: ("aide", "au secours", "secours"),
        _HELP_FIRST: ("aide", "au secours"),
        _FILLER: (
            "merci", "bonjour", "salut", "stp", "svp", "s'il te plaît", "s'il vous plaît",
            "désolé", "désolée", "ok",
        ),
        _HEDGE: (
            "mais", "qui", "quoi", "pourquoi", "peut-être", "si", "pas", "ne", "demain",
            "soir", "ce soir", "après-midi", "minutes", "heure",
        ),
    },
    "it": {
        ReplyKind.yes: (
            "sì", "certo", "va bene", "ora", "adesso", "ora sì", "posso", "posso ora",
            "posso adesso", "ora posso", "adesso posso", "chiamami", "chiamami ora",
        ),
        ReplyKind.not_now: (
            "no", "non", "non ora", "non adesso", "ora no", "adesso no", "più tardi",
            "dopo", "non posso", "ora non posso", "adesso non posso", "non ancora",
            "non oggi", "oggi no",
        ),
        ReplyKind.stop: ("basta",),
        _STOP_FIRST: ("basta",),
        ReplyKind.help: ("aiuto",),
        _HELP_FIRST: ("aiuto",),
        _FILLER: ("grazie", "ciao", "per favore", "scusa", "scusi", "ok"),
        _HEDGE: (
            "ma", "chi", "cosa", "perché", "forse", "domani", "stasera", "sera",
            "pomeriggio", "minuti",
        ),
    },
    "es": {
        ReplyKind.yes: (
            "sí", "claro", "ahora", "puedo", "ahora sí", "sí puedo", "ahora puedo",
            "puedo ahora", "puedo hablar", "de acuerdo", "dale", "llámame",
        ),
        ReplyKind.not_now: (
            "no", "no ahora", "ahora no", "más tarde", "luego", "después", "no puedo",
            "ahora no puedo", "no puedo ahora", "todavía no", "aún no", "hoy no",
        ),
        ReplyKind.stop: ("basta", "cancelar", "parar"),
        _STOP_FIRST: ("basta",),
        _STOP_ALONE: ("alto", "baja", "para"),
        ReplyKind.help: ("ayuda", "socorro", "auxilio"),
        _HELP_FIRST: ("ayuda", "socorro", "auxilio"),
        _FILLER: ("gracias", "hola", "por favor", "porfa", "perdón", "lo siento", "vale",
                  "bueno", "ok"),
        _HEDGE: (
            "pero", "quién", "qué", "por qué", "porque", "quizás", "quizá", "tal vez",
            "mañana", "noche", "tarde", "minutos", "hora",
        ),
    },
}  # fmt: skip

# Between languages a word with a meaning beats a hedge ("si" is "yes" in Italian but
# "if" in French); the reply kinds themselves do not collide across these languages.
_RANK: Final = {_HEDGE: 0, _FILLER: 1}
_ANSWERS: Final = frozenset({ReplyKind.yes, ReplyKind.not_now, ReplyKind.start})

_Phrase = tuple[str, ...]
_Table = Mapping[_Phrase, str]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"['\u2019\u02bc`\u00b4]", "", without_marks)


def _words(folded: str) -> _Phrase:
    words = re.findall(r"[^\W_]+", folded)
    # Digits of any script read as plain ones (Arabic-Indic one is "1").
    return tuple(str(int(word)) if word.isdecimal() else word for word in words)


def _table(vocabularies: Iterable[_Vocabulary], classes: Mapping[str, str]) -> _Table:
    """Phrase -> class for the word classes named in ``classes`` (renamed by it)."""
    table: dict[_Phrase, str] = {}
    for vocabulary in vocabularies:
        for word_class, phrases in vocabulary.items():
            if word_class not in classes:
                continue
            for phrase in phrases:
                key, new = _words(_fold(phrase)), classes[word_class]
                known = table.get(key)
                if known is None or _RANK.get(known, 9) < _RANK.get(new, 9):
                    table[key] = new
    return table


def _phrases(vocabularies: Iterable[_Vocabulary], *classes: str) -> frozenset[_Phrase]:
    return frozenset(
        _words(_fold(phrase))
        for vocabulary in vocabularies
        for word_class in classes
        for phrase in vocabulary.get(word_class, ())
    )


class _Lexicon:
    """The words one language (with English and the digits) understands."""

    def __init__(self, vocabularies: tuple[_Vocabulary, ...]) -> None:
        same = {c: c for c in (*_ANSWERS, _YES_ALONE, _NOT_NOW_ALONE, _FILLER, _HEDGE)}
        self.answers = {("1",): ReplyKind.yes, ("2",): ReplyKind.not_now} | dict(
            _table(vocabularies, same)
        )
        self.stop = _phrases(vocabularies, ReplyKind.stop, _STOP_FIRST)
        self.stop_first = _phrases(vocabularies, _STOP_FIRST)
        self.only_stop = _table(
            vocabularies,
            {ReplyKind.stop: "stop", _STOP_FIRST: "stop", _STOP_ALONE: "stop", _FILLER: _FILLER},
        )
        self.help = _phrases(vocabularies, ReplyKind.help, _HELP_FIRST)
        self.help_first = _phrases(vocabularies, _HELP_FIRST)
        self.only_help = _table(
            vocabularies, {ReplyKind.help: "help", _HELP_FIRST: "help", _FILLER: _FILLER}
        )


_LEXICONS: Final[Mapping[str, _Lexicon]] = MappingProxyType(
    {
        **{lang: _Lexicon((vocab, _ENGLISH)) for lang, vocab in _LANGUAGES.items()},
        "en": _Lexicon((_ENGLISH,)),
        "*": _Lexicon((_ENGLISH, *_LANGUAGES.values())),
    }
)
_LONGEST_PHRASE: Final = max(
    len(phrase)
    for lexicon in _LEXICONS.values()
    for table in (lexicon.answers, lexicon.only_stop, lexicon.only_help)
    for phrase in table
)


def _lexicon_for(language: str) -> _Lexicon:
    primary = language.strip().replace("_", "-").split("-", 1)[0].casefold()
    return _LEXICONS.get(primary, _LEXICONS["*"])


def _labels(words: _Phrase, table: _Table, *, number: str = "") -> list[str]:
    """The class of each phrase in reading order, longest phrase first.

    An unknown word is "", or ``number`` if it has a digit ("5pm", "10").
    """
    labels: list[str] = []
    index = 0
    while index < len(words):
        for length in range(min(_LONGEST_PHRASE, len(words) - index), 0, -1):
            word_class = table.get(words[index : index + length])
            if word_class is not None:
                labels.append(word_class)
                index += length
                break
        else:
            has_digit = any(char.isdigit() for char in words[index])
            labels.append(number if has_digit else "")
            index += 1
    return labels


def _contains(words: _Phrase, phrases: frozenset[_Phrase]) -> bool:
    return any(
        words[index : index + len(phrase)] == phrase
        for phrase in phrases
        for index in range(len(words) - len(phrase) + 1)
    )


def _says(
    words: _Phrase, anywhere: frozenset[_Phrase], first: frozenset[_Phrase], only: _Table
) -> bool:
    """Stop or help: anywhere in a short reply, opening any reply, or all it says."""
    if len(words) <= _SHORT_REPLY_WORDS and _contains(words, anywhere):
        return True
    if any(words[: len(phrase)] == phrase for phrase in first):
        return True
    labels = _labels(words, only)
    return "" not in labels and any(label != _FILLER for label in labels)


def classify_reply(text: str, language: str = "en") -> ReplyKind:
    """What her reply means; ``other`` whenever a worker should read it."""
    folded = _fold(text)
    words = _words(folded)
    if not words:
        return ReplyKind.other
    lexicon = _lexicon_for(language)
    if _says(words, lexicon.stop, lexicon.stop_first, lexicon.only_stop):
        return ReplyKind.stop
    if _says(words, lexicon.help, lexicon.help_first, lexicon.only_help):
        return ReplyKind.help
    if "?" in folded or "\u00bf" in folded or len(words) > _MAX_REPLY_WORDS:
        return ReplyKind.other
    # A time or number besides the answer ("1 at 5pm") needs a worker.
    return _answer(_labels(words, lexicon.answers, number=_HEDGE), len(words))


def _answer(labels: list[str], word_count: int) -> ReplyKind:
    """Yes, not now or start when the reply says exactly one of them (see the docstring)."""
    if labels == [_YES_ALONE]:
        return ReplyKind.yes
    if labels == [_NOT_NOW_ALONE]:
        return ReplyKind.not_now
    answers = {label for label in labels if label in _ANSWERS}
    if len(answers) != 1 or _HEDGE in labels:
        return ReplyKind.other
    answer = ReplyKind(answers.pop())
    if "" not in labels:
        return answer
    opening = next(label for label in labels if label != _FILLER)
    if opening == answer and word_count <= _SHORT_REPLY_WORDS:
        return answer
    return ReplyKind.other


__all__ = ["CARRIER_STOP_WORDS", "ReplyKind", "classify_reply"]
