"""The guidance cards the service ships, for organisations that have not written their own.

Plain English (and German, in ``default_cards_de``), one card per topic and phone
system, read aloud by her worker. Menus
differ between phone makers and app updates, so the steps name what to look for rather
than exact positions, and say so. Every card passes ``cards.card_problems`` (the unit
tests hold each to it). An admin's version for the same topic, platform and locale
replaces the shipped card until it is retired.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from partner_contact.guidance.cards import (
    CardContent,
    CardKey,
    CardWarning,
    Platform,
    Topic,
    WarningCode,
)
from partner_contact.guidance.default_cards_de import CARDS_DE

SHIPPED_VERSION: Final = 0

_MENUS_DIFFER: Final = (
    "Menus differ between phone makers and updates: if a name here does not match, "
    "look for the closest word."
)


def _warn(code: WarningCode, text: str) -> CardWarning:
    return CardWarning(code=code, text=text)


_NOTICED_MESSAGES: Final = _warn(
    WarningCode.clearing_noticed,
    "An empty inbox or a missing conversation can itself make him suspicious. Delete only "
    "what could put you at risk and leave ordinary conversations where they are.",
)
_NOTICED_CALLS: Final = _warn(
    WarningCode.clearing_noticed,
    "A call list with gaps, or with no calls at all, can itself be noticed. Remove only "
    "the calls that could put you at risk.",
)
_NOTICED_BROWSING: Final = _warn(
    WarningCode.clearing_noticed,
    "A history that is suddenly empty can be noticed. Removing only the pages that could "
    "put you at risk draws less attention than clearing everything.",
)
_BILL: Final = _warn(
    WarningCode.bill_lists_calls,
    "Deleting calls on the phone does not remove them from the phone bill or the phone "
    "company's online account. Anyone who can see those still sees the calls and texts.",
)
_ESCALATES: Final = _warn(
    WarningCode.removal_escalates,
    "Removing a spying app, or changing what it watches, can show him that you know and "
    "can make him more dangerous. Do not remove anything until we have planned it "
    "together; using a separate, safe phone for private contact is often safer.",
)
_KNOWS: Final = _warn(
    WarningCode.knows_too_much,
    "The most common sign is him knowing things he could only have learned from your "
    "phone: what you wrote, who you called, or where you went.",
)


def _card(
    topic: Topic, platform: Platform, title: str, steps: tuple[str, ...], *warnings: CardWarning
) -> CardContent:
    return CardContent(
        topic=topic,
        platform=platform,
        locale="en",
        title=title,
        steps=steps,
        warnings=warnings,
    )


_CARDS: Final[tuple[CardContent, ...]] = (
    _card(
        Topic.sms_thread,
        Platform.android,
        "Deleting a text conversation (Android)",
        (
            "Open the messages app (on most phones this is Messages).",
            "Touch and hold the conversation until it is selected.",
            "Tap the bin icon or Delete, then confirm.",
            "Some phones keep deleted messages in a Trash or Recycle bin for about 30 days: "
            "open the app's menu (three dots), look for Trash or Recycle bin and empty it.",
            "If the messages app is linked to a computer or tablet, the conversation may "
            "still show there: in the app's menu, check for Device pairing.",
            _MENUS_DIFFER,
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.sms_thread,
        Platform.ios,
        "Deleting a text conversation (iPhone)",
        (
            "Open Messages.",
            "Swipe left on the conversation, tap the bin icon, then tap Delete.",
            "Deleted conversations stay in Recently Deleted for up to 40 days: tap Edit or "
            "Filters at the top of the list, choose Show Recently Deleted, select the "
            "conversation and delete it there too.",
            "If the same Apple ID is signed in on an iPad or Mac, the conversation may "
            "still show there.",
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.whatsapp_chat,
        Platform.android,
        "Deleting a WhatsApp chat (Android)",
        (
            "Open WhatsApp and go to Chats.",
            "Touch and hold the chat, tap the bin icon, then Delete chat.",
            "The other person still has their copy: deleting only clears your phone.",
            "An older backup can still hold the chat: open the menu (three dots), then "
            "Settings, Chats, Chat backup, and see when the last backup ran.",
            "Open the menu, then Linked devices. A computer or browser you do not recognise "
            "there can read your chats; tell me before you log it out.",
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.whatsapp_chat,
        Platform.ios,
        "Deleting a WhatsApp chat (iPhone)",
        (
            "Open WhatsApp and go to Chats.",
            "Swipe left on the chat, tap More, then Delete Chat and confirm.",
            "The other person still has their copy: deleting only clears your phone.",
            "An older iCloud backup can still hold the chat: in WhatsApp open Settings, "
            "Chats, Chat Backup, and see when the last backup ran.",
            "In WhatsApp Settings, open Linked Devices. A computer or browser you do not "
            "recognise there can read your chats; tell me before you log it out.",
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.email,
        Platform.android,
        "Deleting an e-mail and emptying the bin (Android)",
        (
            "Open your e-mail app (on most phones this is Gmail).",
            "Touch and hold the message, or open it, and tap the bin icon.",
            "Check Sent and Drafts for your own replies and delete those the same way.",
            "Deleted mail goes to Bin or Trash first: open the menu (three lines), choose "
            "Bin or Trash, then Empty bin now.",
            "The account may also be open on a computer or tablet; deleting here usually "
            "deletes it there too, but check if you can.",
            _MENUS_DIFFER,
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.email,
        Platform.ios,
        "Deleting an e-mail and emptying the bin (iPhone)",
        (
            "Open Mail.",
            "Swipe left on the message and tap Trash or Bin.",
            "Check Sent and Drafts for your own replies and delete those the same way.",
            "Deleted mail goes to Trash or Bin first: tap Mailboxes, open Trash or Bin, "
            "tap Edit, then delete the messages there.",
            "If you read this account in another app, such as Gmail, delete it there and "
            "empty that app's bin as well.",
        ),
        _NOTICED_MESSAGES,
    ),
    _card(
        Topic.call_log,
        Platform.android,
        "Removing calls from the call list (Android)",
        (
            "Open the Phone app and go to Recents or Call history.",
            "Touch and hold the call you want to remove.",
            "Tap Delete or the bin icon and confirm.",
            "If the number appears more than once, remove each entry.",
            _MENUS_DIFFER,
        ),
        _NOTICED_CALLS,
        _BILL,
    ),
    _card(
        Topic.call_log,
        Platform.ios,
        "Removing calls from the call list (iPhone)",
        (
            "Open Phone and tap Recents.",
            "Swipe left on the call and tap Delete.",
            "If the number appears more than once, remove each entry.",
            "If calls also ring on an iPad or Mac with the same Apple ID, the call can "
            "still show there.",
        ),
        _NOTICED_CALLS,
        _BILL,
    ),
    _card(
        Topic.browser_history,
        Platform.android,
        "Removing pages from browsing history (Android)",
        (
            "Open Chrome, tap the three dots, then History.",
            "Tap the cross next to each page you want to remove.",
            "Next time, open a new Incognito tab from the same menu: pages visited there "
            "are not kept in history, but downloaded files are.",
            "If Chrome is signed in to a Google account that syncs, the history can also "
            "show on other devices signed in to that account.",
            _MENUS_DIFFER,
        ),
        _NOTICED_BROWSING,
    ),
    _card(
        Topic.browser_history,
        Platform.ios,
        "Removing pages from browsing history (iPhone)",
        (
            "Open Safari and tap the book icon, then the clock icon for History.",
            "Swipe left on each page you want to remove and tap Delete.",
            "Next time, tap the tabs button and choose Private: pages visited there are not "
            "kept in history, but downloaded files are.",
            "If Safari syncs through iCloud, the history can also show on an iPad or Mac "
            "with the same Apple ID.",
        ),
        _NOTICED_BROWSING,
    ),
    _card(
        Topic.stalkerware_signs,
        Platform.android,
        "Signs of a spying app (Android)",
        (
            "Ask yourself: does he know things he could only know from your phone?",
            "Other possible signs: the battery runs down or the phone gets warm much faster "
            "than before, or it uses more mobile data. These alone prove nothing.",
            "In Settings, open Apps and look for any app you do not recognise, especially "
            "one with a vague name such as a system or update service.",
            "In Settings, look for Device admin apps and for Accessibility: an app you do "
            "not know listed there is a strong warning sign.",
            "Only once we agree it is safe: in the Play Store, tap your profile picture, "
            "then Play Protect, and run a scan. A scan can flag or switch off a spying app, "
            "which he may notice.",
            "Do not remove or change anything yet: we will decide together what is safe.",
            _MENUS_DIFFER,
        ),
        _KNOWS,
        _ESCALATES,
    ),
    _card(
        Topic.stalkerware_signs,
        Platform.ios,
        "Signs of spying on an iPhone",
        (
            "Ask yourself: does he know things he could only know from your phone?",
            "If he knows your passcode or Apple ID password, he may read your iCloud "
            "backup or messages without any app on the phone.",
            "In Settings, tap your name and look at the list of devices: is there one you "
            "do not recognise?",
            "In Settings, open General, then VPN and Device Management: a profile you did "
            "not install yourself is a warning sign.",
            "In Find My, open People: check whether your location is shared with him.",
            "Do not remove or change anything yet: we will decide together what is safe.",
        ),
        _KNOWS,
        _ESCALATES,
    ),
)

SHIPPED_CARDS: Final[Mapping[CardKey, CardContent]] = MappingProxyType(
    {CardKey(card.topic, card.platform, card.locale): card for card in (*_CARDS, *CARDS_DE)}
)

__all__ = ["SHIPPED_CARDS", "SHIPPED_VERSION"]
