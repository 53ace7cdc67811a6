"""The case-systems feature's route handlers, as registered in app.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from partner_contact.casesystems.controller import CaseSystemController

ROUTES: list[ControllerRouterHandler] = [CaseSystemController]
