"""Her replies: yes, not now, stop, start, help, or a worker reads it."""

from __future__ import annotations

import pytest

from partner_contact.outreach.replies import CARRIER_STOP_WORDS, ReplyKind, classify_reply

YES, NOT_NOW, STOP, START, HELP, OTHER = (
    ReplyKind.yes,
    ReplyKind.not_now,
    ReplyKind.stop,
    ReplyKind.start,
    ReplyKind.help,
    ReplyKind.other,
)

CASES: dict[str, list[tuple[str, ReplyKind]]] = {
    "en": [
        ("yes", YES), ("Yes!", YES), ("YES.", YES), ("yes please", YES), ("Yeah", YES),
        ("Hi, yes", YES), ("Yes, I can talk now", YES), ("Yes I'm free", YES), ("sure", YES),
        ("y", YES), ("1", YES), (" 1 ", YES), ("1.", YES), ("#1", YES), ("ok 1", YES),
        ("1️⃣", YES), ("\uff11", YES), ("\u0661", YES),
        ("2", NOT_NOW), ("no", NOT_NOW), ("No.", NOT_NOW), ("No thanks", NOT_NOW),
        ("not now", NOT_NOW), ("NOT NOW!!", NOT_NOW), ("later", NOT_NOW), ("n", NOT_NOW),
        ("I can't", NOT_NOW), ("can\u2019t talk now", NOT_NOW), ("sorry, busy", NOT_NOW),
        ("stop", STOP), ("Stop.", STOP), ("Stop please", STOP), ("STOPALL", STOP),
        ("unsubscribe", STOP), ("opt out", STOP), ("optout", STOP), ("quit", STOP),
        ("start", START), ("UNSTOP", START), ("Start please", START),
        ("help", HELP), ("HELP!", HELP), ("info", HELP), ("SOS", HELP),
        ("help me he is here now", HELP),
    ],
    "de": [
        ("ja", YES), ("Ja!", YES), ("Ja, gerne", YES), ("JA BITTE", YES), ("jetzt passt", YES),
        ("nein", NOT_NOW), ("Nein danke", NOT_NOW), ("später", NOT_NOW), ("SPÄTER", NOT_NOW),
        ("spaeter", NOT_NOW), ("nicht jetzt", NOT_NOW), ("Jetzt nicht.", NOT_NOW),
        ("kann gerade nicht", NOT_NOW), ("leider nicht", NOT_NOW),
        ("stopp", STOP), ("Stopp!", STOP), ("halt", STOP), ("Halt!", STOP),
        ("hilfe", HELP), ("Hilfe!", HELP),
        ("ja aber später", OTHER), ("geht halt nicht", OTHER), ("Wer ist das?", OTHER),
    ],
    "fr": [
        ("oui", YES), ("Oui!", YES), ("OUI merci", YES), ("d'accord", YES), ("d\u2019accord", YES),
        ("non", NOT_NOW), ("Non merci", NOT_NOW), ("pas maintenant", NOT_NOW),
        ("plus tard", NOT_NOW), ("Plus tard.", NOT_NOW), ("je ne peux pas", NOT_NOW),
        ("arrêt", STOP), ("ARRET", STOP), ("arrête", STOP), ("stop", STOP),
        ("aide", HELP), ("Au secours", HELP),
        ("si", OTHER), ("oui mais plus tard", OTHER), ("c'est qui ?", OTHER),
    ],
    "it": [
        ("sì", YES), ("si", YES), ("Sì!", YES), ("SI grazie", YES), ("certo", YES),
        ("no", NOT_NOW), ("non ora", NOT_NOW), ("ora no", NOT_NOW), ("più tardi", NOT_NOW),
        ("PIU TARDI", NOT_NOW), ("dopo", NOT_NOW), ("non posso", NOT_NOW),
        ("basta", STOP), ("Basta!", STOP), ("stop", STOP),
        ("aiuto", HELP), ("AIUTO!", HELP),
        ("ma non ora", OTHER), ("chi sei?", OTHER), ("sì domani", OTHER),
    ],
    "es": [
        ("sí", YES), ("Si", YES), ("¡Sí!", YES), ("SÍ, gracias", YES), ("claro", YES),
        ("no", NOT_NOW), ("no ahora", NOT_NOW), ("ahora no", NOT_NOW), ("más tarde", NOT_NOW),
        ("mas tarde", NOT_NOW), ("Luego", NOT_NOW), ("no puedo", NOT_NOW),
        ("basta", STOP), ("alto", STOP), ("Alto por favor", STOP), ("baja", STOP),
        ("ayuda", HELP), ("socorro", HELP), ("¡Ayuda!", HELP), ("sos", HELP),
        ("¿sí?", OTHER), ("sí pero luego", OTHER), ("¿quién es?", OTHER),
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        pytest.param(language, text, expected, id=f"{language}-{text}")
        for language, cases in CASES.items()
        for text, expected in cases
    ],
)
def test_classify_reply(language: str, text: str, expected: ReplyKind) -> None:
    assert classify_reply(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        pytest.param(language, text, expected, id=f"{language}-{text}")
        for language, cases in CASES.items()
        for text, expected in cases
        if expected != OTHER
    ],
)
def test_unknown_language_understands_every_language(
    language: str, text: str, expected: ReplyKind
) -> None:
    assert classify_reply(text, "tlh") == expected
    assert classify_reply(text, f"{language}-XX") == expected  # region tags


@pytest.mark.parametrize("language", ["de", "fr", "it", "es", "pt"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [("yes", YES), ("not now", NOT_NOW), ("1", YES), ("2", NOT_NOW), ("STOP", STOP)],
)
def test_english_and_digits_always_count(language: str, text: str, expected: ReplyKind) -> None:
    assert classify_reply(text, language) == expected


def test_a_known_language_does_not_borrow_false_friends() -> None:
    # "si" is "if" in French and "ja" means nothing there.
    assert classify_reply("si", "fr") == OTHER
    assert classify_reply("ja", "fr") == OTHER


@pytest.mark.parametrize("word", CARRIER_STOP_WORDS)
@pytest.mark.parametrize("language", ["en", "de", "fr", "it", "es", "pt"])
def test_carrier_stop_words_in_any_language(word: str, language: str) -> None:
    assert classify_reply(word, language) == STOP
    assert classify_reply(f"{word.lower()}.", language) == STOP


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("yes stop", "en"),
        ("1 stop", "en"),
        ("no, stop!", "en"),
        ("help stop", "en"),
        ("ja bitte stopp", "de"),
        ("oui arrêt", "fr"),
        ("sì basta", "it"),
        ("ayuda basta", "es"),
        ("Please stop texting me", "en"),
        ("Stop texting me, I don't know who you are", "en"),
        ("STOP STOP STOP STOP STOP STOP", "en"),
        ("who is this? stop", "en"),
    ],
)
def test_stop_wins(text: str, language: str) -> None:
    assert classify_reply(text, language) == STOP


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes help", HELP),
        ("help? who is this", HELP),
        ("not now help", HELP),
        ("start help", HELP),
    ],
)
def test_help_wins_after_stop(text: str, expected: ReplyKind) -> None:
    assert classify_reply(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "👍",
        "?!",
        "ok",
        "3",
        "12",
        "1 2",
        "yes no",
        "yes but not now",
        "yes?",
        "1?",
        "who is this?",
        "wrong number",
        "1 at 5pm",
        "yes in 10 minutes",
        "maybe",
        "tomorrow",
        "End of the day works better for me",
        "I'll be free around five so you can ring me then",
        "Yes, he is out at work until six and the kids are asleep",
        "start yes",
        "please stop by the shop later if you have time today",
    ],
)
def test_free_text_and_mixed_signals_go_to_a_worker(text: str) -> None:
    assert classify_reply(text) == OTHER


def test_reply_kinds_are_strings() -> None:
    assert [kind.value for kind in ReplyKind] == [
        "yes",
        "not_now",
        "stop",
        "start",
        "help",
        "other",
    ]
    assert ReplyKind.not_now == "not_now"
