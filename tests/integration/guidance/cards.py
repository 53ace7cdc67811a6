"""Factories for guidance tests: card bodies and an admin who saves them."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.staff import bearer_for, make_staff

CARDS_URL = "/api/v1/guidance/cards"


def card_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "topic": "sms_thread",
        "platform": "android",
        "locale": "en",
        "title": "Clearing a text conversation",
        "steps": ["Open Messages.", "Touch and hold the conversation, then tap Delete."],
        "warnings": [
            {"code": "clearing_noticed", "text": "A missing conversation can be noticed."}
        ],
    }
    return {**body, **overrides}


async def admin_headers(app: Litestar) -> dict[str, str]:
    return await bearer_for(app, await make_staff(app, Role.admin))


async def save_card(
    client: AsyncTestClient[Litestar], headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    response = await client.post(CARDS_URL, json=card_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    saved: dict[str, Any] = response.json()
    return saved
