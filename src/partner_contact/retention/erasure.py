"""Erasing a partner: crypto-shred her data key and everything that could find her again.

Her content, wherever it is stored, is sealed under her data key (or, for the sandbox's
mailbox, under keys of its own that are destroyed here too). Destroying the keys makes
every such value unreadable at once; the rows stay, so ids in the access log and in
other records still point somewhere, and the access-log chain is untouched.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from sqlalchemy import Column, ColumnElement, LargeBinary, Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.crypto.models import DataKey
from partner_contact.crypto.service import FieldCipher
from partner_contact.db.base import Base
from partner_contact.messaging.models import OutboxMessage, SandboxMessage
from partner_contact.outreach.engine import PENDING, Engine, record_step
from partner_contact.outreach.models import Outreach, OutreachTimer
from partner_contact.outreach.states import OPEN, Step
from partner_contact.partners.models import Partner
from partner_contact.retention.models import ErasureReport

Counts = dict[str, dict[str, int]]

# What she disclosed about her situation, her safety and her risk. Their structured
# answers (a fear of violence, a band, her own scale, the guidance she needed) are readable
# without her key and tied to his case, so erasure deletes these rows: only their ids in
# the access log and their counts in the report remain. Children before parents: a
# checklist record points at a proposal.
DISCLOSURES: Final = (
    "risk_checklist_record",
    "risk_referral_proposal",
    "risk_her_view",
    "risk_trigger",
    "guidance_given",
    "partner_note",
    "assessment",
)


def _sealed_columns(table: Table) -> list[Column[bytes]]:
    """Columns that hold ciphertext; blind indexes (``*_index``) are handled on their own."""
    return [
        column
        for column in table.columns
        if isinstance(column.type, LargeBinary) and not column.name.endswith("_index")
    ]


async def _count(session: AsyncSession, table: Table, condition: object) -> dict[str, int]:
    sealed = _sealed_columns(table)
    row = (
        await session.execute(
            select(func.count(), *(func.count(column) for column in sealed)).where(condition)  # type: ignore[arg-type]
        )
    ).one()
    return {"rows": int(row[0]), "sealed_fields": sum(int(value) for value in row[1:])}


async def _her_rows(session: AsyncSession, partner: Partner) -> tuple[Counts, set[uuid.UUID]]:
    """Counts of her rows in every table, and every data key they are sealed under.

    Generic over ``Base.metadata``: a table added later with a ``partner_id`` (or sealed
    under her key without one) is counted and shredded without changes here.
    """
    counts: Counts = {"partner": await _count(session, Partner.__table__, Partner.id == partner.id)}  # type: ignore[arg-type]
    keys = {partner.data_key_id}
    for table in Base.metadata.sorted_tables:
        owner = table.columns.get("partner_id")
        if owner is None or table.name == ErasureReport.__tablename__:
            continue
        found = await _count(session, table, owner == partner.id)
        if found["rows"]:
            counts[table.name] = found
        key_column = table.columns.get("data_key_id")
        if key_column is not None:
            keys |= set(
                await session.scalars(select(key_column).where(owner == partner.id).distinct())
            )
    for table in Base.metadata.sorted_tables:
        key_column = table.columns.get("data_key_id")
        if key_column is None or "partner_id" in table.columns or table.name == "sandbox_message":
            continue
        found = await _count(session, table, key_column.in_(keys))
        if found["rows"]:
            counts[table.name] = found
    return counts, keys


async def _stop_outreach(
    engine: Engine, session: AsyncSession, partner: Partner, actor_id: uuid.UUID | None
) -> int:
    """Cancel her open outreaches, queued messages and timers: nothing goes out any more."""
    outreaches = (
        await session.scalars(
            select(Outreach)
            .where(Outreach.partner_id == partner.id, Outreach.state.in_([s.value for s in OPEN]))
            .with_for_update()
        )
    ).all()
    for outreach in outreaches:
        await record_step(engine, session, outreach, Step.cancelled, actor_id=actor_id)
    # Belt and braces for rows of outreaches already ended (record_step cancels the rest).
    now = engine.clock()
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.partner_id == partner.id, OutboxMessage.status.in_(PENDING))
        .values(status="cancelled", status_at=now, error_code="erased")
    )
    # A message a dispatcher is handing to a provider right now may still leave; whether it
    # did is not known and, with her key gone, can never be settled against her record.
    # "unknown" ends the claim: the dispatcher still records an accepted send, but its
    # recovery no longer retries it (which would fail on every pass without her key).
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.partner_id == partner.id, OutboxMessage.status == "sending")
        .values(status="unknown", status_at=now, error_code="erased", lease_until=None)
    )
    her_outreaches = select(Outreach.id).where(Outreach.partner_id == partner.id)
    await session.execute(
        update(OutreachTimer)
        .where(
            OutreachTimer.outreach_id.in_(her_outreaches.scalar_subquery()),
            OutreachTimer.fired_at.is_(None),
            OutreachTimer.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
    )
    return len(outreaches)


def sandbox_copies_of(partner_ids: ColumnElement[bool]) -> ColumnElement[bool]:
    """Sandbox rows that are copies of messages to the partners ``partner_ids`` selects.

    Matched on the outbox's idempotency key, which the sandbox stores with each copy: this
    finds copies sent to a number or address she no longer uses, and never another
    partner's copies that share her current number.
    """
    return SandboxMessage.idempotency_key.in_(
        select(OutboxMessage.idempotency_key).where(partner_ids).scalar_subquery()
    )


async def remove_sandbox_copies(
    session: AsyncSession, cipher: FieldCipher, condition: ColumnElement[bool]
) -> tuple[dict[str, int], int]:
    """Delete the sandbox rows ``condition`` selects and destroy their own data keys.

    Returns their counts and how many keys were destroyed.
    """
    found = await _count(session, SandboxMessage.__table__, condition)  # type: ignore[arg-type]
    if not found["rows"]:
        return found, 0
    keys = set((await session.scalars(select(SandboxMessage.data_key_id).where(condition))).all())
    await session.execute(delete(SandboxMessage).where(condition))
    for key_id in keys:
        await cipher.shred(session, key_id)
    return found, len(keys)


async def _delete_disclosures(session: AsyncSession, partner: Partner) -> dict[str, int]:
    """Delete her disclosures (see DISCLOSURES); returns the rows deleted per table."""
    tables = Base.metadata.tables
    assessment = tables["assessment"]
    # A correction points at the version it corrects: unlink them, then delete them all.
    await session.execute(
        update(assessment).where(assessment.c.partner_id == partner.id).values(supersedes_id=None)
    )
    deleted = {}
    for name in DISCLOSURES:
        table = tables[name]
        result = await session.execute(delete(table).where(table.c.partner_id == partner.id))
        deleted[name] = int(getattr(result, "rowcount", 0) or 0)
    return deleted


async def erase_partner(
    session: AsyncSession,
    *,
    engine: Engine,
    cipher: FieldCipher,
    partner: Partner,
    now: datetime,
    actor_id: uuid.UUID | None,
    reason: str,
) -> ErasureReport:
    """Erase her in the caller's transaction; the caller holds her row locked."""
    counts, keys = await _her_rows(session, partner)
    counts["outreach_cancelled"] = {
        "rows": await _stop_outreach(engine, session, partner, actor_id)
    }
    counts["sandbox_message"], sandbox_keys = await remove_sandbox_copies(
        session, cipher, sandbox_copies_of(OutboxMessage.partner_id == partner.id)
    )
    live = (
        await session.scalars(
            select(DataKey.id).where(DataKey.id.in_(keys), DataKey.destroyed_at.is_(None))
        )
    ).all()
    for key_id in live:
        await cipher.shred(session, key_id)
    counts["data_key"] = {"destroyed": len(live) + sandbox_keys}
    for name, rows in (await _delete_disclosures(session, partner)).items():
        if rows:
            counts[name]["deleted"] = rows
    # Nothing left to find her by: inbound numbers and addresses no longer match her.
    partner.phone_index = partner.email_index = partner.whatsapp_index = None
    partner.code_word_hash = None
    partner.erased_at = now
    partner.erased_by = actor_id
    partner.updated_at = now
    report = ErasureReport(
        id=uuid.uuid4(),
        organisation_id=partner.organisation_id,
        partner_id=partner.id,
        erased_at=now,
        erased_by=actor_id,
        reason=reason,
        counts=counts,
    )
    session.add(report)
    await session.flush()
    return report
