"""The served spec is the checked-in one, and it documents every operation fully."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

SPEC_FILE = Path(__file__).parents[2] / "openapi" / "openapi.json"
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


async def test_served_spec_matches_the_checked_in_copy(client: AsyncTestClient[Litestar]) -> None:
    served = (await client.get("/schema/openapi.json")).json()
    assert served == json.loads(SPEC_FILE.read_text()), "run `make openapi` and commit the result"


def test_every_operation_has_an_id_tags_and_its_error_responses() -> None:
    spec = json.loads(SPEC_FILE.read_text())
    operations = _operations(spec)
    assert operations
    ids = [operation.get("operationId") for _, _, operation in operations]
    assert all(ids)
    assert len(ids) == len(set(ids))
    for path, method, operation in operations:
        assert operation.get("tags"), f"{method} {path} has no tags"
        takes_input = operation.get("parameters") or operation.get("requestBody")
        if takes_input:
            assert "400" in operation["responses"], f"{method} {path} does not document 400"
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")) and "content" in response:
                assert "application/problem+json" in response["content"], (
                    f"{method} {path} {status}"
                )
