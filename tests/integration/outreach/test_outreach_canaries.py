"""Her number, her reply and the messages to her stay out of the database file, the
logs and the outreach views; a facilitator, admin or auditor reaches none of it."""

from __future__ import annotations

import io
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.logs import configure_logging
from tests.fixtures.canaries import FREE_TEXT, PHONE_FORMS, find_canaries
from tests.fixtures.staff import bearer_for, make_staff
from tests.integration.outreach.flow import make_flow


def _database_bytes(directory: Path) -> bytes:
    """The SQLite file and its WAL, as a thief copying the directory would get them."""
    return b"".join(path.read_bytes() for path in sorted(directory.glob("test.db*")))


async def test_reply_and_message_texts_are_sealed_and_never_logged(
    app: Litestar, client: AsyncTestClient[Litestar], backend: str, tmp_path: Path
) -> None:
    stream = io.StringIO()
    configure_logging("json", "debug", stream=stream)
    flow = await make_flow(app, client, phone=PHONE_FORMS[0])
    outreach = await flow.start()
    await flow.dispatch()
    (sent,) = await flow.mailbox()
    await flow.reply(FREE_TEXT, sender=PHONE_FORMS[1])
    detail = await flow.outreach(outreach["id"])
    assert detail["outreach"]["state"] == "needs_reading"
    assert find_canaries(str(detail)) == []
    assert len(sent["body"]) > 20  # the text itself is searched for below

    others = [flow.case.facilitator_headers]
    for role in (Role.admin, Role.auditor):
        others.append(await bearer_for(app, await make_staff(app, role)))
    for headers in others:
        for path in (
            f"/api/v1/outreach/{outreach['id']}",
            f"/api/v1/outreach/{outreach['id']}/replies",
            f"/api/v1/partners/{flow.partner['id']}/outreach",
            "/api/v1/sandbox/messages",
        ):
            response = await client.get(path, headers=headers)
            assert response.status_code in (403, 404), path
            assert find_canaries(response.text) == []

    assert find_canaries(stream.getvalue()) == []
    assert sent["body"] not in stream.getvalue()
    if backend == "sqlite":
        database = _database_bytes(tmp_path)
        assert database, "the test database file was not found"
        assert find_canaries(database) == []
        assert sent["body"].encode() not in database
