"""The code word: hashed only, attempts limited and logged without the guess."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.fixtures.canaries import CODE_WORD
from tests.fixtures.staff import table_rows
from tests.integration.partners.cases import create_partner, make_case


async def test_code_word_is_hashed_and_verified(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    partner = await create_partner(client, case)
    url = f"/api/v1/partners/{partner['id']}/code-word"
    no_word = await client.post(
        f"{url}/verify", json={"code_word": "x"}, headers=case.worker_headers
    )
    assert no_word.status_code == 409
    put = await client.put(url, json={"code_word": CODE_WORD}, headers=case.worker_headers)
    assert put.status_code == 204
    (stored,) = await table_rows(app, "partner", "code_word_hash")
    assert stored[0].startswith("$argon2id$")
    assert CODE_WORD not in stored[0]
    ok = await client.post(
        f"{url}/verify", json={"code_word": CODE_WORD}, headers=case.worker_headers
    )
    assert ok.json() == {"matches": True, "attempts_left": 5}


async def test_five_wrong_attempts_lock_until_a_worker_sets_it_again(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    case = await make_case(app)
    partner = await create_partner(client, case)
    url = f"/api/v1/partners/{partner['id']}/code-word"
    await client.put(url, json={"code_word": CODE_WORD}, headers=case.worker_headers)
    lefts = []
    for _ in range(5):
        wrong = await client.post(
            f"{url}/verify", json={"code_word": "wrong-guess"}, headers=case.worker_headers
        )
        lefts.append(wrong.json()["attempts_left"])
    assert lefts == [4, 3, 2, 1, 0]
    locked = await client.post(
        f"{url}/verify", json={"code_word": CODE_WORD}, headers=case.worker_headers
    )
    assert locked.status_code == 423
    assert locked.json()["code"] == "code_word_locked"
    read = await client.get(f"/api/v1/partners/{partner['id']}", headers=case.worker_headers)
    assert read.json()["is_code_word_locked"] is True
    await client.put(url, json={"code_word": CODE_WORD}, headers=case.worker_headers)
    ok = await client.post(
        f"{url}/verify", json={"code_word": CODE_WORD}, headers=case.worker_headers
    )
    assert ok.json()["matches"] is True
    outcomes = [
        outcome
        for action, outcome in await table_rows(app, "access_log", "action, outcome")
        if action == "partner.code_word_verify"
    ]
    assert outcomes == ["failed"] * 5 + ["denied", "succeeded"]
    dump = str(await table_rows(app, "access_log"))
    assert "wrong-guess" not in dump
    assert CODE_WORD not in dump
