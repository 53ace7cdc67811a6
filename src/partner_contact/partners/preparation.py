"""The preparation checklist of one case, while preparation applies (levels 1-3).

One item per ``PREPARATION_TASKS`` entry. Whether an item is done is derived from what
is recorded, never entered by hand: the preparatory contact is done once every partner
of the case was really reached (her reply or a call with her) and has a current decision
on the programme contacting him. An unknown task code reads ``not_recorded_yet`` rather
than a guess.
Only her worker and the supervisors of her team reach it: the checklist reveals whether
a case has partners at all, so the facilitator never does.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from typing import Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partner_contact.consent.models import ConsentRecord
from partner_contact.consent.service import current_consents
from partner_contact.org.service import current_organisation
from partner_contact.org.situation import PREPARATION_TASKS, current_situation, preparation_applies
from partner_contact.partners.access import reachable_participant
from partner_contact.partners.context import Caller
from partner_contact.partners.models import Partner
from partner_contact.partners.schemas import PartnerProfile
from partner_contact.partners.service import TABLE


class ItemStatus(enum.StrEnum):
    done = "done"
    not_done = "not_done"
    # Kept by a feature that does not exist yet; never reported as done.
    not_recorded_yet = "not_recorded_yet"


class PreparationItem(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    description: str
    done: bool
    status: ItemStatus


class PreparationChecklist(msgspec.Struct, frozen=True, kw_only=True):
    applies: bool
    items: list[PreparationItem]


NOT_APPLICABLE: Final = PreparationChecklist(applies=False, items=[])


class _Evidence(msgspec.Struct, frozen=True, kw_only=True):
    """What is recorded about one partner, as far as the checklist needs it."""

    has_details: bool
    channel_count: int
    window_count: int
    # Her reply or a call with her; a message sent is not a contact.
    was_reached: bool
    # A decision on the programme contacting him that she has not withdrawn.
    has_current_decision: bool


async def _evidence(
    caller: Caller, session: AsyncSession, partner: Partner, consent: ConsentRecord | None
) -> _Evidence:
    profile_text = await caller.cipher.decrypt(
        session,
        data_key_id=partner.data_key_id,
        table=TABLE,
        column="profile",
        record_id=partner.id,
        ciphertext=partner.profile,
    )
    profile = msgspec.json.decode(profile_text, type=PartnerProfile)
    return _Evidence(
        has_details=any(v is not None for v in (partner.phone, partner.whatsapp, partner.email)),
        channel_count=len(profile.channels),
        window_count=len(profile.safe_windows),
        was_reached=partner.last_contact_at is not None,
        has_current_decision=consent is not None and consent.withdrawn_at is None,
    )


def derive_status(code: str, evidence: Sequence[_Evidence]) -> ItemStatus:
    """Done or not, from what is recorded about the partners of one case."""
    if code == "contact_details_and_consent":
        # Her details, and the channels she agreed to be contacted on, for at least one.
        done = any(e.has_details and e.channel_count > 0 for e in evidence)
    elif code == "safe_channels_and_times":
        # Every partner of the case has a channel and a time agreed; none means not done.
        done = bool(evidence) and all(e.channel_count and e.window_count for e in evidence)
    elif code == "preparatory_partner_contact":
        # Every partner was reached and asked how she feels about remote work with him.
        done = bool(evidence) and all(e.was_reached and e.has_current_decision for e in evidence)
    else:
        return ItemStatus.not_recorded_yet
    return ItemStatus.done if done else ItemStatus.not_done


async def preparation_checklist(
    caller: Caller, session: AsyncSession, *, participant_id: uuid.UUID
) -> PreparationChecklist:
    participant = await reachable_participant(session, caller.principal, participant_id)
    organisation = await current_organisation(session, clock=caller.clock)
    situation = await current_situation(session, organisation_id=organisation.id)
    if situation is None or not preparation_applies(situation.level):
        return NOT_APPLICABLE
    partners = (
        await session.scalars(
            select(Partner)
            .where(Partner.participant_id == participant.id)
            .order_by(Partner.created_at, Partner.id)
        )
    ).all()
    consents = await current_consents(session, participant_id=participant.id)
    evidence = [
        await _evidence(caller, session, partner, consents.get(partner.id)) for partner in partners
    ]
    items = []
    for task in PREPARATION_TASKS:
        status = derive_status(task.code, evidence)
        items.append(
            PreparationItem(
                code=task.code,
                description=task.description,
                done=status == ItemStatus.done,
                status=status,
            )
        )
    return PreparationChecklist(applies=True, items=items)
