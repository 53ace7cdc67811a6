"""The partners feature's route handlers, as registered in app.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from partner_contact.partners.alerts_controller import AlertController
from partner_contact.partners.case_controller import ParticipantEventController, TaskController
from partner_contact.partners.controller import CasePartnerController, PartnerController
from partner_contact.partners.preparation_controller import PreparationController

ROUTES: list[ControllerRouterHandler] = [
    CasePartnerController,
    PartnerController,
    ParticipantEventController,
    TaskController,
    AlertController,
    PreparationController,
]
