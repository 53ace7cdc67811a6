"""The participants feature's route handlers, as registered in app.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from partner_contact.participants.controller import ParticipantController, ScreeningController

ROUTES: list[ControllerRouterHandler] = [ParticipantController, ScreeningController]
