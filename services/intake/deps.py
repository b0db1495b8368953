"""The ``provide_*`` dependencies the controllers declare: each hands a handler the one
service it calls, built over the resources the app opened at startup (``app.state``)."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from services.intake.agencies.services import AgencyService
from services.intake.legal_processes.access import CaseAccess
from services.intake.legal_processes.production import ProductionDownloads
from services.intake.legal_processes.services import IntakeService
from services.intake.legal_processes.updates import WorkflowUpdates
from services.intake.review.services import ReviewService


def provide_intake_service(state: State) -> IntakeService:
    return state.intake


def provide_case_access(intake_service: IntakeService) -> CaseAccess:
    return CaseAccess(intake_service.register)


def provide_workflow_updates(
    intake_service: IntakeService, case_access: CaseAccess
) -> WorkflowUpdates:
    return WorkflowUpdates(case_access, intake_service.temporal)


def provide_production_downloads(
    intake_service: IntakeService, case_access: CaseAccess
) -> ProductionDownloads:
    return ProductionDownloads(
        case_access,
        intake_service.register,
        intake_service.s3,
        intake_service.settings.productions_bucket,
    )


def provide_review_service(intake_service: IntakeService) -> ReviewService:
    return ReviewService(intake_service.register)


def provide_agency_service(intake_service: IntakeService) -> AgencyService:
    return AgencyService(intake_service.register, intake_service.settings)


# Declared on every controller; Litestar builds only those a handler names as parameters.
dependencies = {
    "intake_service": Provide(provide_intake_service, sync_to_thread=False),
    "case_access": Provide(provide_case_access, sync_to_thread=False),
    "workflow_updates": Provide(provide_workflow_updates, sync_to_thread=False),
    "production_downloads": Provide(provide_production_downloads, sync_to_thread=False),
    "review_service": Provide(provide_review_service, sync_to_thread=False),
    "agency_service": Provide(provide_agency_service, sync_to_thread=False),
}
