"""The shipped German guidance cards: the English cards' advice in plain German ("du").

Menu names are those German phone systems show; where they differ by maker a step says
so. Held to the same rules and required warnings as every card (see the unit tests).
"""

from __future__ import annotations

from typing import Final

from partner_contact.guidance.cards import (
    CardContent,
    CardWarning,
    Platform,
    Topic,
    WarningCode,
)

_MENUS_DIFFER: Final = (
    "Die Menüs unterscheiden sich je nach Hersteller und Update: Wenn ein Name hier nicht "
    "passt, such nach dem ähnlichsten Begriff."
)
_COPY_STAYS: Final = (
    "Die andere Person behält ihre Kopie: Löschen entfernt den Chat nur auf deinem Handy."
)
_OWN_REPLIES: Final = (
    "Sieh in Gesendet und Entwürfe nach deinen eigenen Antworten und lösche sie genauso."
)
_REPEATED: Final = "Steht die Nummer mehrmals in der Liste, entferne jeden Eintrag."
_ASK: Final = "Frag dich: Weiß er Dinge, die er nur von deinem Handy wissen kann?"
_WAIT: Final = "Entferne oder ändere noch nichts: Wir entscheiden gemeinsam, was sicher ist."
_LINKED: Final = (
    "Ein Computer oder Browser, den du nicht kennst, kann deine Chats lesen; sag es mir, "
    "bevor du ihn abmeldest."
)


def _warn(code: WarningCode, text: str) -> CardWarning:
    return CardWarning(code=code, text=text)


_NOTICED_MESSAGES: Final = _warn(
    WarningCode.clearing_noticed,
    "Ein leerer Posteingang oder eine fehlende Unterhaltung kann ihn selbst misstrauisch "
    "machen. Lösche nur, was dich gefährden könnte, und lass gewöhnliche Unterhaltungen "
    "stehen.",
)
_NOTICED_CALLS: Final = _warn(
    WarningCode.clearing_noticed,
    "Eine Anrufliste mit Lücken oder ganz ohne Anrufe kann auffallen. Entferne nur die "
    "Anrufe, die dich gefährden könnten.",
)
_NOTICED_BROWSING: Final = _warn(
    WarningCode.clearing_noticed,
    "Ein plötzlich leerer Verlauf kann auffallen. Nur einzelne Seiten zu entfernen fällt "
    "weniger auf, als alles zu löschen.",
)
_BILL: Final = _warn(
    WarningCode.bill_lists_calls,
    "Was du auf dem Handy löschst, steht weiter auf der Telefonrechnung und im "
    "Online-Konto des Mobilfunkanbieters. Wer diese sieht, sieht auch die Anrufe und SMS.",
)
_ESCALATES: Final = _warn(
    WarningCode.removal_escalates,
    "Eine Spionage-App zu entfernen oder zu ändern, was sie überwacht, kann ihm zeigen, "
    "dass du Bescheid weißt, und ihn gefährlicher machen. Entferne nichts, bevor wir es "
    "gemeinsam geplant haben; ein eigenes, sicheres Handy ist oft sicherer.",
)
_KNOWS: Final = _warn(
    WarningCode.knows_too_much,
    "Das häufigste Zeichen ist, dass er Dinge weiß, die er nur von deinem Handy haben "
    "kann: was du geschrieben hast, wen du angerufen hast oder wo du warst.",
)


def _card(
    topic: Topic, platform: Platform, title: str, steps: tuple[str, ...], *warnings: CardWarning
) -> CardContent:
    return CardContent(
        topic=topic, platform=platform, locale="de", title=title, steps=steps, warnings=warnings
    )


CARDS_DE: Final[tuple[CardContent, ...]] = (
    _card(
        Topic.sms_thread,
        Platform.android,
        "Eine SMS-Unterhaltung löschen (Android)",
        (
            "Öffne die Nachrichten-App (auf den meisten Handys heißt sie Messages oder "
            "Nachrichten).",
            "Halte die Unterhaltung gedrückt, bis sie markiert ist.",
            "Tippe auf das Papierkorb-Symbol oder auf Löschen und bestätige.",
            "Manche Handys behalten gelöschte Nachrichten etwa 30 Tage in einem Papierkorb: "
            "Öffne das Menü der App (drei Punkte), such den Papierkorb und leere ihn.",
            "Ist die App mit einem Computer oder Tablet gekoppelt, kann die Unterhaltung "
            "dort noch zu sehen sein: Prüfe im Menü der App die Gerätekopplung.",
            _MENUS_DIFFER,
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.sms_thread,
        Platform.ios,
        "Eine SMS-Unterhaltung löschen (iPhone)",
        (
            "Öffne Nachrichten.",
            "Wische auf der Unterhaltung nach links, tippe auf das Papierkorb-Symbol und "
            "dann auf Löschen.",
            "Gelöschte Unterhaltungen bleiben bis zu 40 Tage unter Zuletzt gelöscht: Tippe "
            "oben auf Bearbeiten oder Filter, wähle Zuletzt gelöscht, markiere die "
            "Unterhaltung und lösche sie dort ebenfalls.",
            "Ist dieselbe Apple-ID auf einem iPad oder Mac angemeldet, kann die "
            "Unterhaltung dort noch zu sehen sein.",
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.whatsapp_chat,
        Platform.android,
        "Einen WhatsApp-Chat löschen (Android)",
        (
            "Öffne WhatsApp und geh zu Chats.",
            "Halte den Chat gedrückt, tippe auf das Papierkorb-Symbol und dann auf Chat löschen.",
            _COPY_STAYS,
            "Ein älteres Backup kann den Chat noch enthalten: Öffne das Menü (drei Punkte), "
            "dann Einstellungen, Chats, Chat-Backup, und sieh nach, wann es zuletzt lief.",
            f"Öffne das Menü und dann Verknüpfte Geräte. {_LINKED}",
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.whatsapp_chat,
        Platform.ios,
        "Einen WhatsApp-Chat löschen (iPhone)",
        (
            "Öffne WhatsApp und geh zu Chats.",
            "Wische auf dem Chat nach links, tippe auf Mehr, dann auf Chat löschen und bestätige.",
            _COPY_STAYS,
            "Ein älteres iCloud-Backup kann den Chat noch enthalten: Öffne in WhatsApp "
            "Einstellungen, Chats, Chat-Backup, und sieh nach, wann es zuletzt lief.",
            f"Öffne in den WhatsApp-Einstellungen Verknüpfte Geräte. {_LINKED}",
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.email,
        Platform.android,
        "Eine E-Mail löschen und den Papierkorb leeren (Android)",
        (
            "Öffne deine E-Mail-App (auf den meisten Handys ist das Gmail).",
            "Halte die Nachricht gedrückt oder öffne sie, und tippe auf das Papierkorb-Symbol.",
            _OWN_REPLIES,
            "Gelöschte E-Mails landen zuerst im Papierkorb: Öffne das Menü (drei Striche), "
            "wähle Papierkorb und dann Papierkorb jetzt leeren.",
            "Das Konto kann auch auf einem Computer oder Tablet offen sein; was du hier "
            "löschst, verschwindet meist auch dort, aber prüfe es, wenn du kannst.",
            _MENUS_DIFFER,
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.email,
        Platform.ios,
        "Eine E-Mail löschen und den Papierkorb leeren (iPhone)",
        (
            "Öffne Mail.",
            "Wische auf der Nachricht nach links und tippe auf Papierkorb.",
            _OWN_REPLIES,
            "Gelöschte E-Mails landen zuerst im Papierkorb: Tippe auf Postfächer, öffne den "
            "Papierkorb, tippe auf Bearbeiten und lösche die Nachrichten dort.",
            "Liest du dieses Konto auch in einer anderen App, etwa Gmail, lösche die "
            "Nachricht dort ebenfalls und leere auch dort den Papierkorb.",
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.call_log,
        Platform.android,
        "Anrufe aus der Anrufliste entfernen (Android)",
        (
            "Öffne die Telefon-App und geh zu Anrufliste oder Letzte.",
            "Halte den Anruf gedrückt, den du entfernen willst.",
            "Tippe auf Löschen oder das Papierkorb-Symbol und bestätige.",
            _REPEATED,
            _MENUS_DIFFER,
        ),
        _NOTICED_CALLS,
        _BILL,
    ),
    _card(
        Topic.call_log,
        Platform.ios,
        "Anrufe aus der Anrufliste entfernen (iPhone)",
        (
            "Öffne Telefon und tippe auf Anrufliste.",
            "Wische auf dem Anruf nach links und tippe auf Löschen.",
            _REPEATED,
            "Klingeln Anrufe auch auf einem iPad oder Mac mit derselben Apple-ID, kann der "
            "Anruf dort noch zu sehen sein.",
        ),
        _NOTICED_CALLS,
        _BILL,
    ),
    _card(
        Topic.browser_history,
        Platform.android,
        "Seiten aus dem Browserverlauf entfernen (Android)",
        (
            "Öffne Chrome, tippe auf die drei Punkte und dann auf Verlauf.",
            "Tippe auf das Kreuz neben jeder Seite, die du entfernen willst.",
            "Öffne beim nächsten Mal über dasselbe Menü einen neuen Inkognito-Tab: Dort "
            "besuchte Seiten bleiben nicht im Verlauf, heruntergeladene Dateien schon.",
            "Ist Chrome mit einem Google-Konto angemeldet, das synchronisiert, kann der "
            "Verlauf auch auf anderen Geräten mit diesem Konto erscheinen.",
            _MENUS_DIFFER,
        ),
        _NOTICED_BROWSING,
    ),
    _card(
        Topic.browser_history,
        Platform.ios,
        "Seiten aus dem Browserverlauf entfernen (iPhone)",
        (
            "Öffne Safari, tippe auf das Buch-Symbol und dann auf das Uhr-Symbol für den Verlauf.",
            "Wische auf jeder Seite, die du entfernen willst, nach links und tippe auf Löschen.",
            "Tippe beim nächsten Mal auf die Tabs-Taste und wähle Privat: Dort besuchte "
            "Seiten bleiben nicht im Verlauf, heruntergeladene Dateien schon.",
            "Synchronisiert Safari über iCloud, kann der Verlauf auch auf einem iPad oder "
            "Mac mit derselben Apple-ID erscheinen.",
        ),
        _NOTICED_BROWSING,
    ),
    _card(
        Topic.stalkerware_signs,
        Platform.android,
        "Anzeichen für eine Spionage-App (Android)",
        (
            _ASK,
            "Weitere mögliche Zeichen: Der Akku ist viel schneller leer als früher, das "
            "Handy wird warm oder verbraucht mehr mobile Daten. Das allein beweist nichts.",
            "Öffne in den Einstellungen Apps und such nach Apps, die du nicht kennst, "
            "besonders mit unauffälligem Namen wie ein System- oder Update-Dienst.",
            "Such in den Einstellungen nach Geräteadministrator-Apps und nach "
            "Bedienungshilfen: Eine unbekannte App dort ist ein deutliches Warnzeichen.",
            "Erst wenn wir uns einig sind, dass es sicher ist: Tippe im Play Store auf dein "
            "Profilbild, dann auf Play Protect, und starte eine Prüfung. Sie kann eine "
            "Spionage-App melden oder abschalten, was ihm auffallen kann.",
            _WAIT,
            _MENUS_DIFFER,
        ),
        _KNOWS,
        _ESCALATES,
    ),
    _card(
        Topic.stalkerware_signs,
        Platform.ios,
        "Anzeichen für Spionage auf dem iPhone",
        (
            _ASK,
            "Kennt er deinen Code oder dein Apple-ID-Passwort, kann er dein iCloud-Backup "
            "oder deine Nachrichten auch ohne App auf dem Handy lesen.",
            "Tippe in den Einstellungen auf deinen Namen und sieh dir die Liste der Geräte "
            "an: Ist eines dabei, das du nicht kennst?",
            "Öffne in den Einstellungen Allgemein und dann VPN und Geräteverwaltung: Ein "
            "Profil, das du nicht selbst installiert hast, ist ein Warnzeichen.",
            "Öffne Wo ist? und dann Personen: Prüfe, ob dein Standort mit ihm geteilt wird.",
            _WAIT,
        ),
        _KNOWS,
        _ESCALATES,
    ),
)

__all__ = ["CARDS_DE"]
