"""``/health/live`` and ``/health/ready``: no authentication, no data."""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.datastructures import State
from sqlalchemy.exc import SQLAlchemyError

from partner_contact.auth.guards import PUBLIC
from partner_contact.db.migrate import current_revision, head_revision
from partner_contact.errors import DomainError, problem_responses


class Health(msgspec.Struct, frozen=True):
    status: str


def _not_ready(reason: str) -> DomainError:
    return DomainError("not_ready", "The service is not ready", status=503, detail=reason)


class HealthController(Controller):
    path = "/health"
    tags = ["health"]
    # Probes are public by design: they carry no data.
    opt = PUBLIC

    @get("/live", operation_id="getLiveness", summary="The process is up")
    async def live(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        operation_id="getReadiness",
        summary="The database is reachable and migrated to the latest revision",
        responses=problem_responses(503),
    )
    async def ready(self, state: State) -> Health:
        try:
            current = await current_revision(state.engine)
        except (SQLAlchemyError, OSError):
            raise _not_ready("database unreachable") from None
        if current != head_revision():
            raise _not_ready("database schema is not at the latest migration")
        return Health(status="ok")
