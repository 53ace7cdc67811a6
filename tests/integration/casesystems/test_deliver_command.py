"""``partner-contact deliver --until-idle`` posts what is due, then exits."""

from __future__ import annotations

import asyncio
import os
import sys
import time

from litestar import Litestar
from litestar.testing import AsyncTestClient

from partner_contact.settings import Settings
from tests.fixtures.case_system_receiver import CaseSystemReceiver
from tests.fixtures.staff import table_rows
from tests.integration.casesystems.systems import her_data_key, make_admin, queue_event


async def test_the_deliver_command_posts_due_events_and_exits_when_idle(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    receiver: CaseSystemReceiver,
    settings: Settings,
) -> None:
    admin = await make_admin(app, client)
    issued = await admin.register(receiver.url, await admin.services())
    receiver.secret = issued["signing_secret"]
    receiver.clock = time.time  # the command signs with the real clock
    event_id = await queue_event(app, issued["id"], await her_data_key(app))
    env = {name: value for name, value in os.environ.items() if not name.startswith("PC_")}
    env |= {
        "PC_DATABASE_URL": settings.resolved_database_url,
        "PC_DATA_DIR": settings.data_dir,
        "PC_LOG_LEVEL": "warning",
    }

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "partner_contact",
        "deliver",
        "--until-idle",
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    assert [event["event_id"] for event in receiver.events] == [event_id]
    assert await table_rows(app, "case_system_delivery", "status") == [("delivered",)]
