"""The outreach engine's core: what it knows about her, the gate, queueing, the history.

Every function here runs inside the caller's transaction, so a state change and the
message or timer it causes commit together or not at all. The gate runs when a message
is queued and again in the transaction that claims it for sending (messaging/dispatcher).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Any, Final, get_args

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.assessments.service import fears_new_violence
from partner_contact.audit.service import Actor, record_access
from partner_contact.clock import Clock
from partner_contact.crypto.keyring import KeyringFile
from partner_contact.crypto.service import FieldCipher
from partner_contact.messaging.models import OutboxMessage
from partner_contact.messaging.providers.base import ALL_CHANNELS, MessageChannel
from partner_contact.org.models import Organisation
from partner_contact.outreach.default_templates import TemplateKind
from partner_contact.outreach.gate import (
    Decision,
    GateInput,
    GatePolicy,
    GateResult,
    HisHours,
    evaluate_gate,
)
from partner_contact.outreach.models import Outreach, OutreachEvent, OutreachTimer
from partner_contact.outreach.states import ENDED, OutreachState, Step, next_state
from partner_contact.outreach.templates import current_wording
from partner_contact.outreach.wording import lint_template
from partner_contact.participants.models import Participant
from partner_contact.participants.risk import LivingSituation, RiskBand, RiskRule
from partner_contact.participants.screenings import assess, contact_window, latest_screening
from partner_contact.partners.alerts import raise_alert
from partner_contact.partners.events import Priority
from partner_contact.partners.models import Partner
from partner_contact.partners.service import HerRecord, open_record
from partner_contact.settings import OutreachSettings

OUTBOX_TABLE: Final = "outbox_message"
MESSAGE_CHANNELS: Final[tuple[MessageChannel, ...]] = get_args(MessageChannel)
# Outbox statuses; "held" waits for a worker's confirmation, "sending" is claimed.
PENDING: Final = ("held", "queued")
S = OutreachState


@dataclasses.dataclass(frozen=True, kw_only=True)
class Engine:
    """What the protocol needs from the application, built once at start-up."""

    settings: OutreachSettings
    risk_rule: RiskRule
    keyring_file: KeyringFile
    clock: Clock
    # The channels a provider serves in this deployment; others are never offered.
    channels: frozenset[MessageChannel] = ALL_CHANNELS

    def cipher(self) -> FieldCipher:
        """One per unit of work: unwrapped data keys die with it."""
        return FieldCipher(keyring=self.keyring_file.current(), clock=self.clock)

    def policy(self) -> GatePolicy:
        return GatePolicy(
            quiet_start=self.settings.quiet_start,
            quiet_end=self.settings.quiet_end,
            max_per_day=self.settings.max_messages_per_day,
            max_per_week=self.settings.max_messages_per_week,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Her:
    """Her partner row and her record in the clear, for one unit of work."""

    partner: Partner
    record: HerRecord
    available: frozenset[MessageChannel] = ALL_CHANNELS

    @property
    def channels(self) -> list[MessageChannel]:
        """Her agreed message channels in her order, where her details allow them.

        WhatsApp shows the organisation's business name, so it is only used where she
        agreed to the organisation being named.
        """
        usable = {
            "sms": self.record.phone is not None,
            "whatsapp": self.record.whatsapp is not None and self.partner.may_name_org,
            "email": self.record.email is not None,
        }
        return [
            channel
            for channel in dict.fromkeys(self.record.profile.channels)
            if channel != "phone_call" and usable[channel] and channel in self.available
        ]

    def address(self, channel: str) -> str | None:
        return {
            "sms": self.record.phone,
            "whatsapp": self.record.whatsapp,
            "email": self.record.email,
        }[channel]

    def channel_after(self, channel: str | None) -> MessageChannel | None:
        """Her next agreed channel after ``channel`` (her first when None)."""
        channels: list[str] = list(self.channels)
        if channel is None:
            return self.channels[0] if channels else None
        if channel not in channels:
            return None  # the channel left her profile: a worker picks the next step
        later = self.channels[channels.index(channel) + 1 :]
        return later[0] if later else None


async def load_her(
    cipher: FieldCipher,
    session: AsyncSession,
    partner: Partner,
    *,
    available: frozenset[MessageChannel] = ALL_CHANNELS,
) -> Her:
    record = await open_record(cipher, session, partner)
    return Her(partner=partner, record=record, available=available)


async def log_system_read(
    engine: Engine, session: AsyncSession, *, action: str, partner_id: uuid.UUID
) -> None:
    """The engine's own reads of her record (to send, to classify) are logged too."""
    await record_access(
        session,
        actor=Actor(kind="system", id="outreach-engine"),
        action=action,
        outcome="succeeded",
        object_type="partner",
        object_id=str(partner_id),
        purpose="outreach",
        clock=engine.clock,
    )


# ---- the gate ---------------------------------------------------------------------------


async def _sent_times(
    session: AsyncSession, partner_id: uuid.UUID, now: datetime
) -> list[datetime]:
    """When messages reached the provider for her this week; claimed ones count as now."""
    rows = (
        await session.execute(
            select(OutboxMessage.sent_at, OutboxMessage.status).where(
                OutboxMessage.partner_id == partner_id,
                (OutboxMessage.sent_at >= now - timedelta(days=7))
                | (OutboxMessage.status.in_(("sending", "unknown"))),
            )
        )
    ).all()
    return [sent_at if sent_at is not None else now for sent_at, _ in rows]


async def evaluate(
    engine: Engine, session: AsyncSession, her: Her, outreach: Outreach, channel: str
) -> GateResult:
    """The gate's decision about a message to her on ``channel`` now."""
    now = engine.clock()
    screening = await latest_screening(session, her.partner.participant_id)
    profile = her.record.profile
    lives_with_her = profile.relationship == "former_living_with_him" or (
        screening is None or screening.living_situation != LivingSituation.alone.value
    )
    hours = contact_window(screening) if screening is not None else None
    risk_band = None if screening is None else assess(screening, engine.risk_rule).band
    # Her own fear of a new episode (latest completed assessment) weighs like a high
    # risk band: a worker must confirm, with a reason, before anything is sent.
    if await fears_new_violence(session, her.partner.id):
        risk_band = RiskBand.high
    return evaluate_gate(
        GateInput(
            now=now,
            is_do_not_contact=her.partner.is_do_not_contact,
            is_opted_out=her.partner.opted_out_at is not None,
            has_channel=channel in her.channels,
            her_zone=profile.time_zone,
            safe_windows=profile.safe_windows,
            shares_home_with_him=lives_with_her,
            his_hours=None if hours is None else HisHours(zone=hours.zone, ranges=hours.ranges),
            risk_band=risk_band,
            sent_times=await _sent_times(session, her.partner.id, now),
            is_confirmed=outreach.is_confirmed,
        ),
        engine.policy(),
    )


# ---- history ----------------------------------------------------------------------------


async def record_step(
    engine: Engine,
    session: AsyncSession,
    outreach: Outreach,
    step: Step,
    *,
    actor_id: uuid.UUID | None = None,
    target: OutreachState | None = None,
    **detail: Any,
) -> OutreachState:
    """Apply ``step`` (a 409 if it is not allowed now) and append it to the history."""
    now = engine.clock()
    after = next_state(OutreachState(outreach.state), step, target=target)
    last = await session.scalar(
        select(func.max(OutreachEvent.seq)).where(OutreachEvent.outreach_id == outreach.id)
    )
    session.add(
        OutreachEvent(
            id=uuid.uuid4(),
            outreach_id=outreach.id,
            seq=(last or 0) + 1,
            kind=step.value,
            state=after.value,
            at=now,
            actor_id=actor_id,
            detail=detail,
        )
    )
    outreach.state = after.value
    outreach.updated_at = now
    if after in ENDED:
        outreach.ended_at = now
        await cancel_pending(engine, session, outreach)
    await session.flush()
    return after


async def cancel_pending(engine: Engine, session: AsyncSession, outreach: Outreach) -> None:
    """Nothing still waiting for this outreach goes out or fires."""
    now = engine.clock()
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.outreach_id == outreach.id, OutboxMessage.status.in_(PENDING))
        .values(status="cancelled", status_at=now)
    )
    await cancel_timers(engine, session, outreach)


async def cancel_timers(engine: Engine, session: AsyncSession, outreach: Outreach) -> None:
    await session.execute(
        update(OutreachTimer)
        .where(
            OutreachTimer.outreach_id == outreach.id,
            OutreachTimer.fired_at.is_(None),
            OutreachTimer.cancelled_at.is_(None),
        )
        .values(cancelled_at=engine.clock())
    )


def add_timer(
    engine: Engine, session: AsyncSession, outreach: Outreach, kind: str, due_at: datetime
) -> None:
    session.add(OutreachTimer(id=uuid.uuid4(), outreach_id=outreach.id, kind=kind, due_at=due_at))


async def alert(
    engine: Engine,
    session: AsyncSession,
    her: Her,
    *,
    kind: str,
    priority: Priority,
    occurred_at: datetime | None = None,
    outreach: Outreach | None = None,
) -> None:
    now = engine.clock()
    await raise_alert(
        session,
        partner=her.partner,
        kind=kind,
        priority=priority,
        occurred_at=occurred_at or now,
        now=now,
        outreach_id=None if outreach is None else outreach.id,
    )


# ---- messages ---------------------------------------------------------------------------


async def organisation_names(session: AsyncSession, organisation_id: uuid.UUID) -> list[str]:
    name = await session.scalar(select(Organisation.name).where(Organisation.id == organisation_id))
    return [name] if name else []


async def lint_problems(
    engine: Engine, session: AsyncSession, her: Her, *, channel: str, subject: str | None, body: str
) -> list[str]:
    """Codes of what makes this text unfit to send her now (empty: fit)."""
    problems = lint_template(
        body,
        channel=channel,  # type: ignore[arg-type]
        subject=subject,
        org_names=await organisation_names(session, her.partner.organisation_id),
        may_name_org=her.partner.may_name_org,
        blocked_words=engine.settings.extra_blocked_words,
        language=her.record.profile.language,
    )
    return sorted({problem.code for problem in problems})


async def _seal(
    cipher: FieldCipher, session: AsyncSession, message: OutboxMessage, column: str, value: str
) -> bytes:
    return await cipher.encrypt(
        session,
        data_key_id=message.data_key_id,
        table=OUTBOX_TABLE,
        column=column,
        record_id=message.id,
        plaintext=value,
    )


async def open_message(
    cipher: FieldCipher, session: AsyncSession, message: OutboxMessage
) -> tuple[str | None, str | None]:
    """The subject and body of a message (None once purged)."""

    async def open_(column: str, value: bytes | None) -> str | None:
        if value is None:
            return None
        return await cipher.decrypt(
            session,
            data_key_id=message.data_key_id,
            table=OUTBOX_TABLE,
            column=column,
            record_id=message.id,
            ciphertext=value,
        )

    return await open_("subject", message.subject), await open_("body", message.body)


async def queue_message(
    engine: Engine,
    session: AsyncSession,
    cipher: FieldCipher,
    her: Her,
    outreach: Outreach,
    *,
    kind: TemplateKind,
    channel: MessageChannel,
    actor_id: uuid.UUID | None = None,
) -> OutboxMessage | None:
    """Write the message to the outbox and let the gate decide when, if ever, it goes."""
    now = engine.clock()
    wording = await current_wording(
        session,
        organisation_id=her.partner.organisation_id,
        kind=kind,
        channel=channel,
        language=her.record.profile.language,
        may_name_org=her.partner.may_name_org,
    )
    problems = await lint_problems(
        engine, session, her, channel=channel, subject=wording.subject, body=wording.body
    )
    if problems:
        await record_step(engine, session, outreach, Step.wording_refused, problems=problems)
        await alert(
            engine, session, her, kind="needs_worker", priority=Priority.high, outreach=outreach
        )
        return None
    message = OutboxMessage(
        id=uuid.uuid4(),
        data_key_id=her.partner.data_key_id,
        organisation_id=her.partner.organisation_id,
        partner_id=her.partner.id,
        outreach_id=outreach.id,
        kind=kind,
        channel=channel,
        template_id=wording.template_id,
        template_version=wording.version,
        idempotency_key=uuid.uuid4().hex,
        status="held",
        due_at=now,
        attempts=0,
        created_at=now,
    )
    message.body = await _seal(cipher, session, message, "body", wording.body)
    if wording.subject is not None:
        message.subject = await _seal(cipher, session, message, "subject", wording.subject)
    session.add(message)
    await session.flush()
    await gate_message(engine, session, her, outreach, message, actor_id=actor_id)
    return message


async def gate_message(
    engine: Engine,
    session: AsyncSession,
    her: Her,
    outreach: Outreach,
    message: OutboxMessage,
    *,
    at_send: bool = False,
    actor_id: uuid.UUID | None = None,
) -> Decision:
    """Apply the gate to a held or queued message; at send time ``clear`` means claim it."""
    now = engine.clock()
    result = await evaluate(engine, session, her, outreach, message.channel)
    reasons = [reason.value for reason in result.reasons]
    if result.decision == Decision.blocked:
        message.status, message.status_at, message.error_code = "cancelled", now, "gate_blocked"
        await record_step(
            engine, session, outreach, Step.gate_blocked, actor_id=actor_id, reasons=reasons
        )
    elif result.decision == Decision.needs_confirmation:
        message.status, message.status_at = "held", now
        await record_step(
            engine,
            session,
            outreach,
            Step.gate_needs_confirmation,
            actor_id=actor_id,
            reasons=reasons,
            message_id=str(message.id),
        )
    elif at_send and result.decision == Decision.defer:
        assert result.next_safe_at is not None
        message.due_at = result.next_safe_at
        await record_step(
            engine,
            session,
            outreach,
            Step.message_deferred,
            reasons=reasons,
            due_at=result.next_safe_at.isoformat(),
            message_id=str(message.id),
        )
    elif not at_send:
        due_at = result.next_safe_at if result.decision == Decision.defer else now
        assert due_at is not None
        message.status, message.due_at = "queued", due_at
        await record_step(
            engine,
            session,
            outreach,
            Step.message_queued,
            actor_id=actor_id,
            target=S.fallback_offered if message.kind == "fallback_offer" else S.queued,
            reasons=reasons,
            channel=message.channel,
            message_kind=message.kind,
            due_at=due_at.isoformat(),
            message_id=str(message.id),
        )
    await session.flush()
    return result.decision


# ---- finding things ---------------------------------------------------------------------


async def open_outreach_of(
    session: AsyncSession, partner_id: uuid.UUID, *, for_update: bool = True
) -> Outreach | None:
    """Her one open outreach, if any (a new one cannot start while one is open)."""
    statement = (
        select(Outreach)
        .where(Outreach.partner_id == partner_id, Outreach.state.not_in([s.value for s in ENDED]))
        .order_by(Outreach.started_at.desc())
        .limit(1)
    )
    if for_update:
        statement = statement.with_for_update()
    outreach: Outreach | None = await session.scalar(statement)
    return outreach


async def lock_partner(session: AsyncSession, partner_id: uuid.UUID) -> Partner:
    partner = await session.scalar(
        select(Partner).where(Partner.id == partner_id).with_for_update()
    )
    assert partner is not None
    return partner


async def participant_of(session: AsyncSession, partner: Partner) -> Participant:
    participant = await session.get(Participant, partner.participant_id)
    assert participant is not None
    return participant
