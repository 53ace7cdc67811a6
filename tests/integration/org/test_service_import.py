"""CSV import of the directory: a dry run reports per line, a real run writes all or none."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.auth.roles import Role
from tests.fixtures.staff import table_rows
from tests.integration.org.directory_data import SERVICES, headers_for, make_area

IMPORT = f"{SERVICES}/import"
HEADER = (
    "name,area,phone,time_zone,opening_hours,languages,operating_now,"
    "accepts_self_referral,accepts_agency_referral,referral_endpoint\n"
)
GOOD = (
    'Helpline North,North,+43 1 544 08 20,Europe/Vienna,"mon-fri 09:00-17:00; sat 10:00-12:00",'
    "de en,yes,yes,no,https://cases.example.org/referrals\n"
)
SECOND = "Shelter North,North,+43 1 544 08 21,Europe/Vienna,mon 00:00-24:00,de,no,no,yes,\n"
BROKEN = (
    "Counselling North,North,+43 66 12,Atlantis/Capital,mon 09:00-08:00,xx,perhaps,yes,no,"
    "http://cases.example.org\n"
)


def _csv(admin: dict[str, str]) -> dict[str, str]:
    return {**admin, "Content-Type": "text/csv"}


async def test_a_dry_run_reports_each_broken_cell_and_writes_nothing(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    await make_area(client, admin, "North")
    response = await client.post(
        IMPORT,
        headers=_csv(admin),
        params={"dry_run": "true"},
        content=(HEADER + GOOD + BROKEN).encode(),
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["dry_run"] is True
    assert report["lines_read"] == 2
    assert report["created"] == 0
    assert sorted((e["line"], e["field"]) for e in report["errors"]) == [
        (3, "languages"),
        (3, "opening_hours"),
        (3, "operating_now"),
        (3, "phone"),
        (3, "referral_endpoint"),
        (3, "time_zone"),
    ]
    for secret in ("66 12", "Atlantis", "perhaps", "http://cases", "xx"):
        assert secret not in response.text
    assert await table_rows(app, "support_service") == []


async def test_a_clean_dry_run_counts_what_would_be_created(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    await make_area(client, admin, "North")
    response = await client.post(
        IMPORT, headers=_csv(admin), params={"dry_run": "true"}, content=HEADER + GOOD + SECOND
    )
    assert response.json() == {"dry_run": True, "lines_read": 2, "created": 2, "errors": []}
    assert await table_rows(app, "support_service") == []


async def test_an_import_with_any_error_writes_nothing(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    await make_area(client, admin, "North")
    response = await client.post(IMPORT, headers=_csv(admin), content=HEADER + GOOD + BROKEN)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in response.json()["errors"]]
    assert "lines[3].phone" in fields
    assert await table_rows(app, "support_service") == []


async def test_a_clean_import_writes_every_line(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    await make_area(client, admin, "North")
    response = await client.post(IMPORT, headers=_csv(admin), content=HEADER + GOOD + SECOND)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    listed = (await client.get(SERVICES, headers=admin)).json()["services"]
    helpline = next(s for s in listed if s["name"] == "Helpline North")
    assert helpline["phone"] == "+4315440820"
    assert len(helpline["opening_hours"]["periods"]) == 6
    assert helpline["languages"] == ["de", "en"]
    shelter = next(s for s in listed if s["name"] == "Shelter North")
    assert shelter["referral_endpoint"] is None
    assert shelter["is_operating_now"] is False
    logged = [row[0] for row in await table_rows(app, "access_log", "action")]
    assert logged.count("service.import") == 2


async def test_duplicates_in_the_file_or_the_directory_are_reported(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    await make_area(client, admin, "North")
    await client.post(IMPORT, headers=_csv(admin), content=HEADER + GOOD)
    response = await client.post(
        IMPORT,
        headers=_csv(admin),
        params={"dry_run": "true"},
        content=HEADER + SECOND + SECOND + GOOD,
    )
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [
        (3, "name"),
        (4, "name"),
    ]


async def test_header_and_area_problems_are_reported_by_line(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    missing = await client.post(
        IMPORT, headers=_csv(admin), params={"dry_run": "true"}, content="name,area,colour\nX,Y,Z\n"
    )
    errors = missing.json()["errors"]
    assert {e["line"] for e in errors} == {1}
    assert {"phone", "header"} <= {e["field"] for e in errors}
    no_area = await client.post(
        IMPORT, headers=_csv(admin), params={"dry_run": "true"}, content=HEADER + GOOD
    )
    assert [(e["line"], e["field"]) for e in no_area.json()["errors"]] == [(2, "area")]


@pytest.mark.parametrize("dry_run", ["true", "false"])
async def test_a_file_that_is_not_csv_is_reported_not_crashed_on(
    app: Litestar, client: AsyncTestClient[Litestar], dry_run: str
) -> None:
    admin = await headers_for(app, Role.admin)
    for broken in ('"unterminated header', HEADER + '"unterminated cell\n'):
        response = await client.post(
            IMPORT, headers=_csv(admin), params={"dry_run": dry_run}, content=broken
        )
        assert response.status_code in (200, 422)
        assert [e["message"] for e in response.json()["errors"]] == ["not valid CSV"]


async def test_an_import_must_be_sent_as_csv(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    admin = await headers_for(app, Role.admin)
    response = await client.post(IMPORT, headers=admin, json={"name": "x"})
    assert response.status_code == 415
    not_utf8 = await client.post(IMPORT, headers=_csv(admin), content=b"name\xff\n")
    assert not_utf8.status_code == 400
