"""The retention feature's route handlers, as registered in app.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from partner_contact.retention.controller import ErasureReportController, PartnerRetentionController

ROUTES: list[ControllerRouterHandler] = [PartnerRetentionController, ErasureReportController]
