"""The risk feature's route handlers, as registered in app.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from partner_contact.risk.controller import (
    ChecklistController,
    PartnerRiskController,
    ReferralProposalController,
)

ROUTES: list[ControllerRouterHandler] = [
    PartnerRiskController,
    ReferralProposalController,
    ChecklistController,
]
