"""Guidance cards: shipped by default, replaced by the organisation's versions, read by workers."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.staff import bearer_for, make_staff, table_rows
from tests.integration.guidance.cards import CARDS_URL, admin_headers, card_body, save_card

SMS_ANDROID = "sms_thread/android/en"


def by_ref_prefix(cards: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {card["card_ref"].rsplit("/", 1)[0]: card for card in cards}


async def current(client: AsyncTestClient[Litestar], headers: dict[str, str]) -> Any:
    response = await client.get(CARDS_URL, headers=headers)
    assert response.status_code == 200, response.text
    return by_ref_prefix(response.json())


async def reading(client: AsyncTestClient[Litestar], headers: dict[str, str], **params: str) -> Any:
    response = await client.get("/api/v1/guidance", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_shipped_cards_are_in_use_until_an_admin_writes_one(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    cards = await current(client, await admin_headers(app))
    topics = ("sms_thread", "whatsapp_chat", "email", "call_log", "browser_history")
    assert set(cards) == {
        f"{topic}/{platform}/{locale}"
        for topic in (*topics, "stalkerware_signs")
        for platform in ("android", "ios")
        for locale in ("en", "de")
    }
    for card in cards.values():
        assert (card["source"], card["version"], card["card_id"]) == ("shipped", 0, None)
        assert card["card_ref"].endswith("/v0")
        assert card["steps"]
    call_log = cards["call_log/ios/en"]
    assert {w["code"] for w in call_log["warnings"]} >= {"clearing_noticed", "bill_lists_calls"}


async def test_a_new_version_replaces_the_card_and_retiring_brings_back_the_last(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await admin_headers(app)
    worker = await bearer_for(app, await make_staff(app, Role.partner_worker))
    first = await save_card(client, admin)
    assert (first["version"], first["is_active"], first["card_ref"]) == (
        1,
        True,
        f"{SMS_ANDROID}/v1",
    )
    app.state.clock.advance(minutes=1)
    second = await save_card(client, admin, title="Clearing texts, second wording")
    assert second["version"] == 2

    in_use = (await current(client, admin))[SMS_ANDROID]
    assert (in_use["source"], in_use["card_id"], in_use["title"]) == (
        "organisation",
        second["id"],
        "Clearing texts, second wording",
    )
    read = by_ref_prefix(await reading(client, worker, platform="android"))
    assert read[SMS_ANDROID]["card_ref"] == f"{SMS_ANDROID}/v2"

    history = await client.get(
        f"{CARDS_URL}/history", params={"topic": "sms_thread"}, headers=admin
    )
    assert [v["version"] for v in history.json()] == [2, 1]

    retired = await client.post(f"{CARDS_URL}/{second['id']}/retire", headers=admin)
    assert retired.status_code == 200, retired.text
    assert retired.json()["is_active"] is False
    assert (await current(client, admin))[SMS_ANDROID]["card_ref"] == f"{SMS_ANDROID}/v1"

    await client.post(f"{CARDS_URL}/{first['id']}/retire", headers=admin)
    back = (await current(client, admin))[SMS_ANDROID]
    assert (back["source"], back["card_ref"]) == ("shipped", f"{SMS_ANDROID}/v0")
    read = by_ref_prefix(await reading(client, worker, platform="android"))
    assert read[SMS_ANDROID]["source"] == "shipped"

    history = await client.get(f"{CARDS_URL}/history", headers=admin)
    assert [(v["version"], v["is_active"]) for v in history.json()] == [(2, False), (1, False)]
    third = await save_card(client, admin)
    assert third["version"] == 3
    log = await table_rows(app, "access_log", "action, object_id")
    assert sorted(row for row in log if row[0].startswith("guidance_card.")) == sorted(
        [
            ("guidance_card.save", first["id"]),
            ("guidance_card.save", second["id"]),
            ("guidance_card.save", third["id"]),
            ("guidance_card.retire", second["id"]),
            ("guidance_card.retire", first["id"]),
        ]
    )


REFUSED: list[tuple[dict[str, Any], list[str]]] = [
    ({"warnings": []}, ["warnings", "warnings"]),
    ({"warnings": [{"code": "knows_too_much", "text": "He may know too much."}]}, ["warnings"]),
    ({"topic": "call_log"}, ["warnings"]),
    (
        {
            "topic": "stalkerware_signs",
            "warnings": [{"code": "knows_too_much", "text": "He knows too much."}],
        },
        ["warnings"],
    ),
    ({"steps": ["Open Messages.", "Read more at www.example.org"]}, ["steps[1]"]),
    ({"title": "See https://example.org"}, ["title"]),
    ({"title": "x" * 121}, ["title"]),
    ({"steps": ["Step."] * 16}, ["steps"]),
    ({"locale": "english"}, ["locale"]),
]
MALFORMED: list[dict[str, Any]] = [
    {"topic": "phone_book"},
    {"platform": "windows"},
    {"warnings": [{"code": "be_careful", "text": "Careful."}]},
    {"steps": "Open Messages."},
    {"version": 7},
]


async def test_a_card_breaking_a_rule_is_refused_with_every_problem(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await admin_headers(app)
    for overrides, fields in REFUSED:
        response = await client.post(CARDS_URL, json=card_body(**overrides), headers=admin)
        assert response.status_code == 422, (overrides, response.text)
        assert response.json()["code"] == "card_refused"
        assert [error["field"] for error in response.json()["errors"]] == fields, overrides
    for overrides in MALFORMED:
        response = await client.post(CARDS_URL, json=card_body(**overrides), headers=admin)
        assert response.status_code == 400, (overrides, response.text)
    assert await table_rows(app, "guidance_card", "id") == []


async def test_retiring_an_unknown_card_is_a_404(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    response = await client.post(
        f"{CARDS_URL}/3f0c1a52-9d4e-4b7a-8c61-2f1e0d9b7a10/retire",
        headers=await admin_headers(app),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "card_not_found"


async def test_workers_get_her_language_where_it_exists_and_english_elsewhere(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await admin_headers(app)
    french = await save_card(
        client,
        admin,
        locale="fr",
        title="Effacer une conversation SMS",
        steps=["Ouvre Messages.", "Appuie longuement sur la conversation, puis Supprimer."],
        warnings=[
            {"code": "clearing_noticed", "text": "Une conversation manquante peut se remarquer."}
        ],
    )
    both = await save_card(
        client,
        admin,
        topic="browser_history",
        platform="any",
        title="Private browsing on any phone",
    )
    supervisor = await bearer_for(app, await make_staff(app, Role.supervisor))

    cards = await reading(client, supervisor, locale="fr-CH", platform="android")
    refs = [card["card_ref"] for card in cards]
    assert refs == [
        french["card_ref"],
        "whatsapp_chat/android/en/v0",
        "email/android/en/v0",
        "call_log/android/en/v0",
        "browser_history/android/en/v0",
        both["card_ref"],
        "stalkerware_signs/android/en/v0",
    ]

    german = await reading(client, supervisor, locale="de-AT", platform="ios")
    assert [(card["topic"], card["platform"], card["locale"]) for card in german] == [
        ("sms_thread", "ios", "de"),
        ("whatsapp_chat", "ios", "de"),
        ("email", "ios", "de"),
        ("call_log", "ios", "de"),
        ("browser_history", "ios", "de"),
        ("browser_history", "any", "en"),  # no German card for any phone: English
        ("stalkerware_signs", "ios", "de"),
    ]

    everything = await reading(client, supervisor, locale="it")
    assert {card["locale"] for card in everything} == {"en"}
    assert len(everything) == 13
    refused = await client.get(
        "/api/v1/guidance", params={"locale": "not a tag"}, headers=supervisor
    )
    assert refused.status_code == 400
