"""Message templates: admins save versions, the linter refuses with reasons, the engine uses
them."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.org.service import current_organisation
from partner_contact.outreach.default_templates import DEFAULT_TEMPLATES, SUPPORTED_LANGUAGES
from partner_contact.outreach.templates import current_wording
from partner_contact.settings import AuthSettings, OutreachSettings, Settings
from tests.fixtures.settings import make_settings
from tests.fixtures.staff import auth_ctx, bearer_for, make_staff, on_app_loop, table_rows
from tests.integration.outreach.flow import make_flow

TEMPLATES = "/api/v1/templates"
ORG_NAME = "Harbour Light Trust"
NEW_SMS = "Hello, is now a good time for a short private call? Reply 1 if yes, or 2 for later."


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path / "data",
        database_url,
        auth=AuthSettings(idle_timeout_seconds=86_400, absolute_timeout_seconds=7 * 86_400),
        outreach=OutreachSettings(run_dispatcher=False, blocked_words="zebra, Quokka"),
    )


async def _admin(app: Litestar) -> dict[str, str]:
    return await bearer_for(app, await make_staff(app, Role.admin))


def _sms(body: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "first_contact", "channel": "sms", "language": "en", "body": body, **extra}


async def _save(
    client: AsyncTestClient[Litestar], admin: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(TEMPLATES, json=body, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _current(
    client: AsyncTestClient[Litestar], admin: dict[str, str], **filters: str
) -> list[dict[str, Any]]:
    response = await client.get(TEMPLATES, params=filters, headers=admin)
    assert response.status_code == 200, response.text
    return list(response.json())


async def _history(
    client: AsyncTestClient[Litestar], admin: dict[str, str], **key: str
) -> list[dict[str, Any]]:
    params = {"kind": "first_contact", "channel": "sms", "language": "en", **key}
    response = await client.get(f"{TEMPLATES}/history", params=params, headers=admin)
    assert response.status_code == 200, response.text
    return list(response.json())


async def _name_organisation(app: Litestar, name: str) -> None:
    ctx = auth_ctx(app)

    async def work() -> None:
        async with ctx.session_maker.begin() as session:
            organisation = await current_organisation(session, clock=ctx.clock)
            organisation.name = name

    await on_app_loop(app, work)


async def test_every_shipped_default_passes_the_linter_in_the_listing(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await _admin(app)
    rows = await _current(client, admin)
    assert len(rows) == len(DEFAULT_TEMPLATES) == 3 * 3 * len(SUPPORTED_LANGUAGES)
    shipped = {(t.kind, t.channel, t.language): t for t in DEFAULT_TEMPLATES}
    for row in rows:
        key = (row["kind"], row["channel"], row["language"])
        assert row["problems"] == [], (key, row["problems"])
        assert (row["version"], row["is_default"], row["template_id"]) == (0, True, None)
        assert (row["body"], row["subject"]) == (shipped[key].body, shipped[key].subject)
        assert row["names_org"] is False
        if row["channel"] == "sms":
            assert row["segments"]["segments"] == 1
            assert row["segments"]["encoding"] == "gsm7"
        else:
            assert row["segments"] is None
    assert {(r["kind"], r["channel"], r["language"]) for r in rows} == shipped.keys()


async def test_versions_are_numbered_listed_and_retired(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await _admin(app)
    first = await _save(client, admin, _sms("Hi, can you talk privately now? Reply 1 or 2."))
    second = await _save(client, admin, _sms(NEW_SMS))
    assert (first["version"], second["version"]) == (1, 2)
    assert second["segments"] == {"encoding": "gsm7", "units": len(NEW_SMS), "segments": 1}
    assert second["is_active"] is True

    (row,) = await _current(client, admin, kind="first_contact", channel="sms", language="en")
    assert (row["version"], row["template_id"], row["body"]) == (2, second["id"], NEW_SMS)
    assert row["is_default"] is False
    assert row["problems"] == []
    # Other channels and kinds still use the shipped texts.
    (email,) = await _current(client, admin, kind="first_contact", channel="email", language="en")
    assert email["is_default"] is True

    assert [v["version"] for v in await _history(client, admin)] == [2, 1]

    retired = await client.post(f"{TEMPLATES}/{second['id']}/retire", headers=admin)
    assert retired.status_code == 200, retired.text
    assert retired.json()["is_active"] is False
    (row,) = await _current(client, admin, kind="first_contact", channel="sms", language="en")
    assert (row["version"], row["template_id"]) == (1, first["id"])
    assert [(v["version"], v["is_active"]) for v in await _history(client, admin)] == [
        (2, False),
        (1, True),
    ]

    await client.post(f"{TEMPLATES}/{first['id']}/retire", headers=admin)
    (row,) = await _current(client, admin, kind="first_contact", channel="sms", language="en")
    assert (row["version"], row["is_default"]) == (0, True)
    # A new save continues the numbering: retired versions keep theirs.
    assert (await _save(client, admin, _sms(NEW_SMS)))["version"] == 3

    logged = await table_rows(app, "access_log", "action, object_type, object_id")
    assert ("template.save", "message_template", first["id"]) in logged
    assert ("template.save", "message_template", second["id"]) in logged
    assert ("template.retire", "message_template", second["id"]) in logged


async def test_a_language_the_organisation_adds_is_listed_with_its_fallbacks(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await _admin(app)
    saved = await _save(
        client,
        admin,
        _sms(
            "Hallo, passt es jetzt für ein kurzes Telefonat? Antworte 1 oder 2.", language="de-AT"
        ),
    )
    rows = await _current(client, admin, language="de-AT")
    assert len(rows) == 9
    by_key = {(r["kind"], r["channel"]): r for r in rows}
    assert by_key[("first_contact", "sms")]["template_id"] == saved["id"]
    assert by_key[("first_contact", "sms")]["source_language"] == "de-AT"
    assert by_key[("follow_up", "sms")]["source_language"] == "de"
    assert by_key[("follow_up", "sms")]["is_default"] is True
    everything = await _current(client, admin)
    assert len(everything) == 9 * (len(SUPPORTED_LANGUAGES) + 1)
    assert sorted({r["language"] for r in everything}) == sorted([*SUPPORTED_LANGUAGES, "de-AT"])


def _refusal(body: dict[str, Any], field: str, code: str, quoted: str, name: str) -> Any:
    return pytest.param(body, field, code, quoted, id=name)


REFUSALS = [
    _refusal(_sms("Hi, see www.example.org when you can."), "body", "link", "www", "www"),
    _refusal(_sms("Hi, have a look at bit.ly/x later."), "body", "link", "bit.ly/x", "bitly"),
    _refusal(_sms("The police asked us to write."), "body", "blocked_word", "police", "word"),
    _refusal(_sms("Hi {name}, can you talk?"), "body", "placeholder", "{name}", "placeholder"),
    _refusal(_sms("a" * 161), "body", "second_segment", "2 segments", "gsm7-161"),
    _refusal(_sms("ł" * 71), "body", "second_segment", "UCS-2", "ucs2-71"),
    _refusal(_sms("A zebra says hello."), "body", "blocked_word", "zebra", "extra-word"),
    _refusal(_sms("A QUOKKA says hello."), "body", "blocked_word", "QUOKKA", "extra-word-2"),
    _refusal(
        {**_sms("Hi, can you talk? Reply 1 or 2."), "channel": "email"},
        "subject",
        "subject_required",
        "subject",
        "no-subject",
    ),
    _refusal(
        _sms("Hi, can you talk? Reply 1 or 2.", subject="Hello"),
        "subject",
        "subject_forbidden",
        "no subject",
        "sms-subject",
    ),
    _refusal(
        {**_sms("Hi, can you talk?"), "channel": "email", "subject": "Your court date"},
        "subject",
        "blocked_word",
        "court",
        "subject-word",
    ),
    _refusal(
        {**_sms("Hi, can you talk?"), "channel": "email", "subject": "Hello\n"},
        "subject",
        "line_break",
        "single line",
        "subject-line-break",
    ),
]


@pytest.mark.parametrize(("body", "field", "code", "quoted"), REFUSALS)
async def test_a_revealing_or_split_text_is_refused_with_the_reason(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    body: dict[str, Any],
    field: str,
    code: str,
    quoted: str,
) -> None:
    admin = await _admin(app)
    response = await client.post(TEMPLATES, json=body, headers=admin)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "template_refused"
    assert code in problem["detail"]
    matching = [e for e in problem["errors"] if e["message"].startswith(f"{code}: ")]
    assert matching, problem["errors"]
    assert matching[0]["field"] == field
    assert quoted in matching[0]["message"]
    assert await _history(client, admin, channel=body["channel"]) == []


async def test_every_problem_of_a_text_is_reported(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await _admin(app)
    body = _sms("Dear {name}, the shelter at www.example.org can help. " + "x" * 120)
    response = await client.post(TEMPLATES, json=body, headers=admin)
    assert response.status_code == 422
    codes = {e["message"].split(":", 1)[0] for e in response.json()["errors"]}
    assert codes == {"link", "blocked_word", "placeholder", "second_segment"}


async def test_the_organisation_name_needs_names_org(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    await _name_organisation(app, ORG_NAME)
    admin = await _admin(app)
    body = _sms("Harbour Light Trust here: can you talk privately? Reply 1 or 2.")
    refused = await client.post(TEMPLATES, json=body, headers=admin)
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert error["field"] == "body"
    assert error["message"].startswith("org_name: ")
    assert ORG_NAME in error["message"]

    saved = await _save(client, admin, {**body, "names_org": True})
    assert (saved["version"], saved["names_org"]) == (1, True)
    (row,) = await _current(client, admin, kind="first_contact", channel="sms", language="en")
    assert (row["template_id"], row["names_org"], row["problems"]) == (saved["id"], True, [])

    # Only partners who agreed to the organisation being named get this version.
    ctx = auth_ctx(app)

    async def wording(may_name_org: bool) -> int:
        async with ctx.session_maker() as session:
            organisation = await current_organisation(session, clock=ctx.clock)
            chosen = await current_wording(
                session,
                organisation_id=organisation.id,
                kind="first_contact",
                channel="sms",
                language="en",
                may_name_org=may_name_org,
            )
            return chosen.version

    assert await on_app_loop(app, lambda: wording(True)) == 1
    assert await on_app_loop(app, lambda: wording(False)) == 0


async def test_a_template_the_organisation_name_later_matches_is_flagged(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await _admin(app)
    saved = await _save(client, admin, _sms("Harbour Light here: can you talk? Reply 1 or 2."))
    await _name_organisation(app, "Harbour Light")
    (row,) = await _current(client, admin, kind="first_contact", channel="sms", language="en")
    assert row["template_id"] == saved["id"]
    assert [p["code"] for p in row["problems"]] == ["org_name"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(_sms("Hi", language="English"), id="language"),
        pytest.param(_sms("Hi", kind="reminder"), id="kind"),
        pytest.param(_sms("Hi", channel="fax"), id="channel"),
        pytest.param(_sms("Hi\x00"), id="control-char"),
        pytest.param(_sms("Hi", version=7), id="unknown-field"),
    ],
)
async def test_malformed_saves_are_bad_requests(
    app: Litestar, client: AsyncTestClient[Litestar], body: dict[str, Any]
) -> None:
    admin = await _admin(app)
    response = await client.post(TEMPLATES, json=body, headers=admin)
    assert response.status_code == 400, response.text


async def test_history_needs_its_key_and_retiring_needs_a_known_version(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await _admin(app)
    missing = await client.get(
        f"{TEMPLATES}/history", params={"kind": "first_contact"}, headers=admin
    )
    assert missing.status_code == 400
    unknown = await client.post(f"{TEMPLATES}/{uuid.uuid4()}/retire", headers=admin)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "template_not_found"


async def test_only_admins_manage_templates(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await _admin(app)
    saved = await _save(client, admin, _sms(NEW_SMS))
    for role in Role:
        if role is Role.admin:
            continue
        headers = await bearer_for(app, await make_staff(app, role))
        assert (await client.get(TEMPLATES, headers=headers)).status_code == 403
        assert (
            await client.post(TEMPLATES, json=_sms(NEW_SMS), headers=headers)
        ).status_code == 403
        retire = await client.post(f"{TEMPLATES}/{saved['id']}/retire", headers=headers)
        assert retire.status_code == 403
    assert [v["is_active"] for v in await _history(client, admin)] == [True]


async def test_the_outreach_engine_sends_the_admins_new_text(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await _admin(app)
    saved = await _save(client, admin, _sms(NEW_SMS))
    flow = await make_flow(app, client)
    outreach = await flow.start()
    report = await flow.dispatch()
    assert report.sent == 1
    (message,) = await flow.mailbox()
    assert (message["channel"], message["body"]) == ("sms", NEW_SMS)
    (sent,) = (await flow.outreach(outreach["id"]))["messages"]
    assert sent["template_version"] == saved["version"]
