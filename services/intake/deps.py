"""Dependencies shared by the controllers: one intake service per app, built at startup."""

from __future__ import annotations

from litestar import Request
from litestar.di import Provide

from services.intake.legal_processes.services import IntakeService


def _intake_service(request: Request) -> IntakeService:
    return request.app.state.intake


intake_service = {"service": Provide(_intake_service, sync_to_thread=False)}
