"""SMS segment counting and the template linter."""

from __future__ import annotations

import pytest

from partner_contact.outreach.wording import (
    DEFAULT_BLOCKED_WORDS,
    LINT_CODES,
    SegmentCount,
    count_segments,
    fold,
    lint_template,
)

# ---- segments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", SegmentCount("gsm7", 0, 1), id="empty"),
        pytest.param("a" * 160, SegmentCount("gsm7", 160, 1), id="160-gsm"),
        pytest.param("a" * 161, SegmentCount("gsm7", 161, 2), id="161-gsm"),
        pytest.param("a" * 306, SegmentCount("gsm7", 306, 2), id="306-gsm"),
        pytest.param("a" * 307, SegmentCount("gsm7", 307, 3), id="307-gsm"),
        pytest.param("a" * 159 + "€", SegmentCount("gsm7", 161, 2), id="159+euro"),
        pytest.param("a" * 158 + "€", SegmentCount("gsm7", 160, 1), id="158+euro"),
        pytest.param("^{}\\[~]|€\f", SegmentCount("gsm7", 20, 1), id="extension-doubles"),
        pytest.param("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", None, id="basic-specials"),
        pytest.param("😀", SegmentCount("ucs2", 2, 1), id="emoji"),
        pytest.param("a" * 100 + "😀", SegmentCount("ucs2", 102, 2), id="emoji-forces-ucs2"),
        pytest.param("ç" * 70, SegmentCount("ucs2", 70, 1), id="70-ucs2"),
        pytest.param("ç" * 71, SegmentCount("ucs2", 71, 2), id="71-ucs2"),
        pytest.param("ç" * 134, SegmentCount("ucs2", 134, 2), id="134-ucs2"),
        pytest.param("ç" * 135, SegmentCount("ucs2", 135, 3), id="135-ucs2"),
        pytest.param("á", SegmentCount("ucs2", 1, 1), id="a-acute-not-gsm"),
        pytest.param("\u2019", SegmentCount("ucs2", 1, 1), id="curly-apostrophe"),
        # An escape pair is never split: 152 plain septets and a euro sign need a new part.
        pytest.param("a" * 152 + "€" + "a" * 10, SegmentCount("gsm7", 164, 2), id="no-split-esc"),
        pytest.param("ç" * 66 + "😀" + "ç" * 5, SegmentCount("ucs2", 73, 2), id="no-split-pair"),
    ],
)
def test_count_segments(text: str, expected: SegmentCount | None) -> None:
    if expected is None:
        assert count_segments(text) == SegmentCount("gsm7", len(text), 1)
    else:
        assert count_segments(text) == expected


def test_unsplittable_pairs_can_add_a_part() -> None:
    # 306 septets would fit two parts of 153, but the euro sign cannot straddle them.
    assert count_segments("a" * 152 + "€" + "a" * 152) == SegmentCount("gsm7", 306, 3)
    # Likewise 134 UTF-16 units with a surrogate pair across the boundary of 67.
    assert count_segments("ç" * 66 + "😀" + "ç" * 66) == SegmentCount("ucs2", 134, 3)


# ---- the linter -------------------------------------------------------------------------------


def _codes(body: str, **kwargs: object) -> list[str]:
    kwargs.setdefault("channel", "sms")
    codes = [problem.code for problem in lint_template(body, **kwargs)]  # type: ignore[arg-type]
    assert set(codes) <= set(LINT_CODES)
    return codes


NEUTRAL = "Hi, is now a good time for a quick call? Reply 1 or 2."


@pytest.mark.parametrize(
    ("body", "kwargs", "code"),
    [
        pytest.param("", {}, "empty", id="empty"),
        pytest.param("  \n\t", {}, "empty", id="blank"),
        pytest.param("a" * 161, {}, "second_segment", id="sms-161"),
        pytest.param("Salut ça va? " + "a" * 60, {}, "second_segment", id="sms-ucs2-over-70"),
        pytest.param("a" * 1025, {"channel": "whatsapp"}, "too_long", id="whatsapp-1025"),
        pytest.param("a" * 2001, {"channel": "email", "subject": "Hi"}, "too_long", id="email"),
        pytest.param(NEUTRAL, {"channel": "email", "subject": "a" * 79}, "too_long", id="subj-79"),
        pytest.param(NEUTRAL, {"channel": "email"}, "subject_required", id="no-subject"),
        pytest.param(NEUTRAL, {"channel": "email", "subject": " "}, "subject_required", id="blank"),
        pytest.param(NEUTRAL, {"subject": "Hi"}, "subject_forbidden", id="sms-subject"),
        pytest.param(NEUTRAL, {"channel": "whatsapp", "subject": ""}, "subject_forbidden", id="wa"),
        pytest.param("Hi from Acme", {"org_names": ["Acme"]}, "org_name", id="org"),
        pytest.param("Hi from ACMÉ!", {"org_names": ["acme"]}, "org_name", id="org-case-accent"),
        pytest.param(
            "Greetings from MÄNNER BERATUNG wien",
            {"org_names": ["Männer-Beratung Wien"]},
            "org_name",
            id="org-spacing",
        ),
        pytest.param(
            "Greetings from Männerberatung Wien",
            {"org_names": ["Männer-Beratung Wien"]},
            "org_name",
            id="org-joined",
        ),
        pytest.param("Hi, this is Fred", {"blocked_words": ["fred"]}, "blocked_word", id="extra"),
    ],
)
def test_each_code_has_a_failing_example(body: str, kwargs: dict[str, object], code: str) -> None:
    assert code in _codes(body, **kwargs)


@pytest.mark.parametrize(
    ("body", "kwargs", "code"),
    [
        pytest.param("a", {}, "empty", id="one-char"),
        pytest.param("a" * 160, {}, "second_segment", id="sms-160"),
        pytest.param("ç" * 70, {}, "second_segment", id="sms-ucs2-70"),
        pytest.param("a" * 1024, {"channel": "whatsapp"}, "too_long", id="whatsapp-1024"),
        pytest.param("a" * 2000, {"channel": "email", "subject": "a" * 78}, "too_long", id="email"),
        pytest.param("a" * 400, {"channel": "whatsapp"}, "second_segment", id="whatsapp-no-seg"),
        pytest.param(NEUTRAL, {"channel": "email", "subject": "Hi"}, "subject_required", id="subj"),
        pytest.param(NEUTRAL, {"channel": "sms"}, "subject_forbidden", id="sms-none"),
        pytest.param(
            "Hi from Acme", {"org_names": ["Acme"], "may_name_org": True}, "org_name", id="ok"
        ),
        pytest.param("Hi from Acmeville", {"org_names": ["Acme"]}, "org_name", id="word-boundary"),
        pytest.param("Hi", {"org_names": ["", "  "]}, "org_name", id="blank-org-names"),
        pytest.param("Hi, this is Alfred", {"blocked_words": ["fred"]}, "blocked_word", id="stem"),
    ],
)
def test_each_code_has_a_passing_near_miss(body: str, kwargs: dict[str, object], code: str) -> None:
    assert code not in _codes(body, **kwargs)


def test_neutral_text_passes_on_every_channel() -> None:
    assert lint_template(NEUTRAL, channel="sms") == []
    assert lint_template(NEUTRAL, channel="whatsapp") == []
    assert lint_template(NEUTRAL, channel="email", subject="Quick question") == []


@pytest.mark.parametrize(
    "body",
    [
        "See https://example.org",
        "See HTTP://EXAMPLE.ORG",
        "ftp://files",
        "mailto:someone",
        "http: // spaced",
        "www.example.org",
        "WWW dot example",
        "Visit example.org today",
        "bit.ly/x",
        "Try foo.de",
        "EXAMPLE.COM",
        "now.Are you free",
        "example dot com",
        "example DOT org",
        "example (dot) net",
        "example [.] com",
        "example . com",
        "beispiel punkt de",
        "exemple point fr",
        "esempio punto it",
        "write to name@example.org",
        "name@localhost",
        "name (at) example",
        "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d",  # full-width
    ],
)
def test_links_are_flagged(body: str) -> None:
    problems = [p for p in lint_template(body, channel="sms") if p.code == "link"]
    assert len(problems) == 1, problems


@pytest.mark.parametrize(
    "body",
    [
        "Is 10.30 good? Or 14.45?",
        "e.g. today, i.e. now",
        "Call at 5 p.m. if you can.",
        "Fine... Are you free?",
        "Yes. Now is good.",
        "Gracias. De nada.",
        "Un point de vue",
        "Llego en punto de la tarde",
        "A polka dot dress",
        "Meet @ 5",
        "Version 2.0 works",
        "It costs 3.50 now",
    ],
)
def test_ordinary_punctuation_is_not_a_link(body: str) -> None:
    assert "link" not in _codes(body)


def test_link_detail_quotes_the_link() -> None:
    (problem,) = lint_template("Look at Example.org/x now", channel="sms")
    assert problem.code == "link"
    assert '"Example.org/x"' in problem.detail


@pytest.mark.parametrize(
    ("language", "body", "found"),
    [
        ("en", "There was violence at home", "violence"),
        ("en", "He was VIOLENT", "VIOLENT"),
        ("en", "abuse", "abuse"),
        ("en", "an abusive man", "abusive"),
        ("en", "our programme", "programme"),
        ("en", "the program", "program"),
        ("en", "Police", "Police"),
        ("en", "a shelter", "shelter"),
        ("en", "a refuge", "refuge"),
        ("en", "the court", "court"),
        ("en", "perpetrators", "perpetrators"),
        ("en", "victim", "victim"),
        ("en", "domestic matters", "domestic"),
        ("en", "your safety-plan", "safety-plan"),
        ("en", "counselling", "counselling"),
        ("de", "Gewalt", "Gewalt"),
        ("de", "häusliche Gewalt", "häusliche"),
        ("de", "Antigewalttraining", "Antigewalttraining"),
        ("de", "POLIZEI", "POLIZEI"),
        ("de", "das Frauenhaus", "Frauenhaus"),
        ("de", "Frauenhäuser", "Frauenhäuser"),
        ("de", "Familiengericht", "Familiengericht"),
        ("de", "Täter", "Täter"),
        ("de", "Tater", "Tater"),
        ("de", "Gewaltopfer", "Gewaltopfer"),
        ("de", "Trainingsprogramm", "Trainingsprogramm"),
        ("de", "Männerberatung", "Männerberatung"),
        ("fr", "violences conjugales", "violences"),
        ("fr", "la police", "police"),
        ("fr", "un foyer", "foyer"),
        ("fr", "le tribunal", "tribunal"),
        ("fr", "l'auteur", "auteur"),
        ("fr", "victime", "victime"),
        ("fr", "programme", "programme"),
        ("fr", "harcèlement", "harcèlement"),
        ("it", "violenza", "violenza"),
        ("it", "polizia", "polizia"),
        ("it", "i carabinieri", "carabinieri"),
        ("it", "un centro antiviolenza", "centro antiviolenza"),
        ("it", "casa rifugio", "casa rifugio"),
        ("it", "tribunale", "tribunale"),
        ("it", "maltrattante", "maltrattante"),
        ("it", "vittima", "vittima"),
        ("it", "programma", "programma"),
        ("es", "violencia", "violencia"),
        ("es", "policía", "policía"),
        ("es", "la Guardia Civil", "Guardia Civil"),
        ("es", "casa de acogida", "casa de acogida"),
        ("es", "un refugio", "refugio"),
        ("es", "el juzgado", "juzgado"),
        ("es", "tribunal", "tribunal"),
        ("es", "maltratador", "maltratador"),
        ("es", "VÍCTIMA", "VÍCTIMA"),
        ("es", "programa", "programa"),
    ],
)
def test_blocked_words_in_every_language(language: str, body: str, found: str) -> None:
    # Checked whatever the template's language: an English template with a German word.
    for template_language in ("en", language):
        problems = lint_template(body, channel="sms", language=template_language)
        blocked = [p for p in problems if p.code == "blocked_word"]
        assert blocked, body
        assert f'"{found}"' in blocked[0].detail


@pytest.mark.parametrize(
    "body",
    [
        "Thanks for your courtesy",
        "Es ist an dich gerichtet",
        "Nice courtyard",
        "Can you talk privately now?",
        "Tienes un momento para hablar?",
        "Hai un momento per parlare?",
        "Viens quand tu veux",
        "Passt es dir gerade?",
        "Polite question",
        "Une courte question",
    ],
)
def test_ordinary_words_are_not_blocked(body: str) -> None:
    assert "blocked_word" not in _codes(body)


def test_each_blocked_word_is_reported_once() -> None:
    problems = lint_template("violence, Violence and VIOLENCE", channel="sms")
    assert [p.code for p in problems] == ["blocked_word"]


def test_default_blocked_words_cover_five_languages() -> None:
    assert set(DEFAULT_BLOCKED_WORDS) == {"en", "de", "fr", "it", "es"}
    for language, words in DEFAULT_BLOCKED_WORDS.items():
        assert words, language
        for word in words:
            assert word, language
            assert word.strip() == word, (language, word)
            # Every default stem is itself caught.
            assert "blocked_word" in _codes(word), (language, word)


@pytest.mark.parametrize(
    "body",
    [
        "Hi {name}",
        "Hi {{ first_name }}",
        "Hi {}",
        "Hi ${name}",
        "Hi $name",
        "Hi %s",
        "Hi %(name)s",
        "Hi %1$s",
        "Hi %NAME%",
        "Hi <name>",
        "Hi [NAME]",
        "Hi [First Name]",
    ],
)
def test_placeholders_are_flagged(body: str) -> None:
    assert _codes(body) == ["placeholder"]


@pytest.mark.parametrize(
    "body",
    ["I'm 100% sure", "It costs $5", "Reply 1 or 2 <3", "Between 50 % and 60 %", "Hi (back)"],
)
def test_near_placeholders_pass(body: str) -> None:
    assert "placeholder" not in _codes(body)


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ("Visit example.org", "link"),
        ("Police", "blocked_word"),
        ("News from Acme", "org_name"),
        ("Hi {name}", "placeholder"),
    ],
)
def test_email_subject_is_linted_too(subject: str, code: str) -> None:
    problems = lint_template(NEUTRAL, channel="email", subject=subject, org_names=["Acme"])
    assert [p.code for p in problems] == [code]
    assert problems[0].detail.startswith("Subject:")


def test_second_segment_detail_names_the_character_that_forced_ucs2() -> None:
    (problem,) = lint_template("ç" * 71, channel="sms")
    assert problem.code == "second_segment"
    assert '"ç"' in problem.detail


def test_fold_drops_case_and_accents() -> None:
    assert fold("TÄTER Ñandú ß") == "tater nandu ss"
