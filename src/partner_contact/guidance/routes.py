"""The guidance feature's route handlers, as registered in app.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from partner_contact.guidance.controller import (
    GuidanceCardController,
    GuidanceGivenController,
    GuidanceReadingController,
)

ROUTES: list[ControllerRouterHandler] = [
    GuidanceCardController,
    GuidanceReadingController,
    GuidanceGivenController,
]
