"""The referrals feature's route handlers, as registered in app.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from partner_contact.referrals.controller import (
    IntegrationReferralController,
    PartnerReferralController,
    ReferralController,
    ReferralOptionsController,
)

ROUTES: list[ControllerRouterHandler] = [
    PartnerReferralController,
    ReferralOptionsController,
    ReferralController,
    IntegrationReferralController,
]
