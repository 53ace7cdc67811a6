"""The org feature's route handlers, as registered in app.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from partner_contact.org.controller import AreaController, SituationController
from partner_contact.org.directory_controller import ServiceController

ROUTES: list[ControllerRouterHandler] = [SituationController, AreaController, ServiceController]
