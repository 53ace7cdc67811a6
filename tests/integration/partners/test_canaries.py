"""Her planted details never reach the database file, the logs, or a caller not entitled."""

from __future__ import annotations

import io
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from partner_contact.logs import configure_logging
from tests.fixtures.canaries import CODE_WORD, EMAILS, FREE_TEXT, PHONE_FORMS, find_canaries
from tests.fixtures.staff import bearer_for, make_staff
from tests.integration.partners.cases import create_partner, make_case, partner_body


def _database_bytes(directory: Path) -> bytes:
    """The SQLite file and its WAL, as a thief copying the directory would get them."""
    return b"".join(path.read_bytes() for path in sorted(directory.glob("test.db*")))


async def test_canaries_stay_out_of_files_logs_and_unentitled_responses(
    app: Litestar, client: AsyncTestClient[Litestar], backend: str, tmp_path: Path
) -> None:
    stream = io.StringIO()
    configure_logging("json", "debug", stream=stream)
    case = await make_case(app)
    partner = await create_partner(
        client,
        case,
        alias=FREE_TEXT[:40],
        phone=PHONE_FORMS[0],
        email=EMAILS[0],
        whatsapp=PHONE_FORMS[4],
    )
    url = f"/api/v1/partners/{partner['id']}"
    await client.put(f"{url}/code-word", json={"code_word": CODE_WORD}, headers=case.worker_headers)
    await client.post(
        f"{url}/code-word/verify", json={"code_word": CODE_WORD}, headers=case.worker_headers
    )
    await client.get(f"{url}/contact-details?purpose=call", headers=case.worker_headers)
    # Refused input is not echoed or logged either.
    for bad in (
        {"alias": PHONE_FORMS[1]},
        {"alias": EMAILS[1]},
        {"phone": PHONE_FORMS[2]},
        {"email": "x " + EMAILS[1]},
    ):
        refused = await client.post(
            f"/api/v1/participants/{case.participant_id}/partners",
            json=partner_body(**bad),
            headers=case.worker_headers,
        )
        assert refused.status_code in (400, 422)
        assert find_canaries(refused.text) == []

    unentitled = [case.facilitator_headers]
    for role in (Role.admin, Role.auditor):
        unentitled.append(await bearer_for(app, await make_staff(app, role)))
    seen = []
    for headers in unentitled:
        for path in (
            "/api/v1/partners",
            url,
            f"{url}/contact-details?purpose=call",
            f"/api/v1/participants/{case.participant_id}/partners",
            f"/api/v1/participants/{case.participant_id}/clearance",
            "/api/v1/tasks",
        ):
            seen.append((await client.get(path, headers=headers)).text)
        seen.append(
            (
                await client.post(
                    f"/api/v1/participants/{case.participant_id}/events",
                    json={"kind": "dropped_out"},
                    headers=headers,
                )
            ).text
        )
    assert find_canaries("\n".join(seen)) == []
    assert find_canaries(stream.getvalue()) == []
    if backend == "sqlite":
        stored = _database_bytes(tmp_path)
        assert stored
        assert find_canaries(stored) == []
