"""Seeding many queued outbox messages quickly, through the services production uses.

Each message belongs to its own case: a participant (his screening: he lives alone, low
risk), one partner (SMS, safe every day 00:00-24:00, relationship "new") and an outreach
started by her worker, which queues the first-contact message. As he lives alone and she
is not a former partner living with him, the gate ignores his hours; with her windows
covering the week and :func:`open_gate_outreach` (no quiet hours, low risk needs no
confirmation), the gate is clear at any wall-clock time, by construction.

Rows are written by the service calls the API makes (``create_participant``,
``record_screening``, ``create_partner``, ``start_outreach``), in one transaction per
``chunk`` cases, several at once on PostgreSQL. The database must already be migrated;
the seeding runs on the caller's loop with an engine of its own.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import string
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from partner_contact.auth.context import AuthContext
from partner_contact.auth.principal import Principal
from partner_contact.auth.roles import Role
from partner_contact.auth.users import create_team, create_user
from partner_contact.clock import Clock, utc_now
from partner_contact.crypto.keyring import KeyringFile
from partner_contact.crypto.service import FieldCipher
from partner_contact.db.engine import create_engine, is_sqlite
from partner_contact.org.service import current_organisation
from partner_contact.outreach.engine import Engine
from partner_contact.outreach.service import start_outreach
from partner_contact.participants.risk import LivingSituation, WorkStatus
from partner_contact.participants.schemas import ParticipantCreate, RiskFactors, ScreeningCreate
from partner_contact.participants.screenings import record_screening
from partner_contact.participants.service import create_participant
from partner_contact.partners.context import Caller
from partner_contact.partners.schemas import PartnerCreate
from partner_contact.partners.service import create_partner
from partner_contact.settings import OutreachSettings, Settings
from partner_contact.weekly import WEEKDAYS, TimeRange

PASSWORD = "Lantern-Meadow-Quietly-42"
ALL_WEEK = [TimeRange(weekday=day, start="00:00", end="24:00") for day in WEEKDAYS]
NO_RISK = RiskFactors(
    previous_dv_arrests=False,
    court_mandated=False,
    substance_use=False,
    severe_physical_violence=False,
    coercive_control=False,
    high_jealousy=False,
    low_motivation=False,
    denies_responsibility=False,
)


def open_gate_outreach(**overrides: Any) -> OutreachSettings:
    """Outreach settings under which a seeded case is clear: no quiet hours (equal ends).

    The dispatcher is not started inside an app (tests and benchmarks drive it).
    """
    values: dict[str, Any] = {
        "quiet_start": "00:00",
        "quiet_end": "00:00",
        "run_dispatcher": False,
        **overrides,
    }
    return OutreachSettings(**values)


def dispatcher_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a ``partner-contact dispatch`` process sharing these settings.

    Inherited ``PC_*`` variables are dropped, so the child sees exactly these settings;
    every process shares the database, the data directory and the key file.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("PC_")}
    outreach = settings.outreach
    env.update(
        {
            "PC_DATABASE_URL": settings.resolved_database_url,
            "PC_DATA_DIR": settings.data_dir,
            "PC_KEYRING_FILE": str(settings.resolved_keyring_file),
            "PC_LOG_LEVEL": "warning",
            "PC_LOG_FORMAT": "json",
            "PC_OUTREACH_QUIET_START": outreach.quiet_start,
            "PC_OUTREACH_QUIET_END": outreach.quiet_end,
            "PC_OUTREACH_MAX_MESSAGES_PER_DAY": str(outreach.max_messages_per_day),
            "PC_OUTREACH_MAX_MESSAGES_PER_WEEK": str(outreach.max_messages_per_week),
            "PC_OUTREACH_CLAIM_LEASE_SECONDS": str(outreach.claim_lease_seconds),
            "PC_OUTREACH_DISPATCH_INTERVAL_SECONDS": str(outreach.dispatch_interval_seconds),
            "PC_OUTREACH_RUN_DISPATCHER": "false",
            **extra,
        }
    )
    return env


@dataclass(frozen=True)
class Seeded:
    worker_id: uuid.UUID
    partner_ids: list[uuid.UUID]
    outreach_ids: list[uuid.UUID]


async def seed_queued_messages(
    settings: Settings,
    count: int,
    *,
    chunk: int = 100,
    clock: Clock = utc_now,
    prefix: str | None = None,
    concurrency: int = 3,
) -> Seeded:
    """``count`` cases, each with one first-contact message queued and due now."""
    database = create_engine(settings.resolved_database_url)
    session_maker = async_sessionmaker(database, expire_on_commit=False)
    keyring_file = KeyringFile(settings.resolved_keyring_file)
    auth = AuthContext.create(
        settings=settings.auth, keyring_file=keyring_file, session_maker=session_maker, clock=clock
    )
    engine = Engine(
        settings=settings.outreach, risk_rule=settings.risk, keyring_file=keyring_file, clock=clock
    )
    # Letters only: a reference may hold few digits, an alias none that look like a number.
    prefix = prefix or "".join(secrets.choice(string.ascii_uppercase) for _ in range(6))
    try:
        async with session_maker.begin() as session:
            await current_organisation(session, clock=clock)
            team = await create_team(session, auth, name=f"bulk-{prefix}")
            worker = await create_user(
                session,
                auth,
                username=f"worker{prefix.lower()}",
                display_name="Bulk worker",
                role=Role.partner_worker,
                password=PASSWORD,
                team_id=team.id,
            )
            facilitator = await create_user(
                session,
                auth,
                username=f"facilitator{prefix.lower()}",
                display_name="Bulk facilitator",
                role=Role.facilitator,
                password=PASSWORD,
            )
        principal = Principal(
            kind="user", id=str(worker.id), role=Role.partner_worker, team_id=team.id
        )

        async def seed_chunk(first: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
            # One cipher per unit of work, as per request: unwrapped keys die with it.
            cipher = FieldCipher(keyring=keyring_file.current(), clock=clock)
            caller = Caller(
                principal=principal,
                cipher=cipher,
                keyring=keyring_file.current(),
                clock=clock,
                request_id=f"seed-{prefix}-{first}",
            )
            made = []
            async with session_maker.begin() as session:
                for number in range(first, min(first + chunk, count)):
                    made.append(
                        await _seed_case(
                            session,
                            caller,
                            engine,
                            facilitator_id=facilitator.id,
                            reference=f"{prefix}-{number:05d}",
                            # Ofcom's drama range and beyond: nothing leaves the sandbox.
                            phone=f"+4477009{number:05d}",
                        )
                    )
            return made

        # PostgreSQL takes a few chunks at once; SQLite has one writer anyway.
        lanes = asyncio.Semaphore(1 if is_sqlite(settings.resolved_database_url) else concurrency)

        async def in_lane(first: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
            async with lanes:
                return await seed_chunk(first)

        chunks = await asyncio.gather(*(in_lane(first) for first in range(0, count, chunk)))
        cases = [case for made in chunks for case in made]
        partner_ids = [partner_id for partner_id, _ in cases]
        outreach_ids = [outreach_id for _, outreach_id in cases]
        return Seeded(worker_id=worker.id, partner_ids=partner_ids, outreach_ids=outreach_ids)
    finally:
        await database.dispose()


async def _seed_case(
    session: AsyncSession,
    caller: Caller,
    engine: Engine,
    *,
    facilitator_id: uuid.UUID,
    reference: str,
    phone: str,
) -> tuple[uuid.UUID, uuid.UUID]:
    """His case, her record and her outreach; returns (partner id, outreach id)."""
    participant = await create_participant(
        session,
        caller.cipher,
        ParticipantCreate(
            reference=reference,
            facilitator_id=facilitator_id,
            partner_worker_id=caller.principal.user_id,
        ),
        clock=caller.clock,
    )
    await record_screening(
        session,
        participant,
        ScreeningCreate(
            living_situation=LivingSituation.alone,
            children_count=0,
            work=WorkStatus.unknown,
            group_has_met=False,
            risk_factors=NO_RISK,
        ),
        recorded_by=facilitator_id,
        clock=caller.clock,
    )
    partner = await create_partner(
        caller,
        session,
        participant_id=participant.id,
        data=PartnerCreate(
            alias="Rose",
            relationship="new",
            language="en",
            time_zone="Europe/London",
            phone=phone,
            channels=["sms"],
            safe_windows=ALL_WEEK,
        ),
    )
    outreach = await start_outreach(
        caller, session, engine, partner_id=partner.id, idempotency_key=None
    )
    if outreach.state != "queued" or outreach.gate_reasons:
        raise AssertionError(
            f"the gate did not clear a seeded case: {outreach.state}, {outreach.gate_reasons}"
        )
    return partner.id, outreach.id
