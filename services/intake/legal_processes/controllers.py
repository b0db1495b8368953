"""Agency-side endpoints (DESIGN §4): submit, read, answer, withdraw, extend, download."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import PermissionDeniedException
from litestar.openapi.spec import (
    Example,
    OpenAPIMediaType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from contracts.api import (
    ClarificationIn,
    DecisionOut,
    DocumentOut,
    LegalProcessPage,
    LegalProcessView,
    WithdrawalIn,
)
from contracts.enums import Role, Status
from contracts.legal_process import LegalProcessSubmission
from contracts.workflow import AgencyResponse, ExtensionRequest, Withdrawal
from services.intake.auth.guards import agency_only, principal_of
from services.intake.auth.tokens import Principal
from services.intake.deps import intake_service
from services.intake.legal_processes.services import IntakeService, to_view
from services.intake.problems import Problem, decode_json, invalid_field
from services.workflows.legal_process.workflows import LegalProcessWorkflow

SUBMISSION_EXAMPLE = {
    "process_type": "subpoena",
    "issuer": {"kind": "state", "name": "Wake County Superior Court", "jurisdiction": "US-NC"},
    "issued_on": "2026-11-02",
    "officer": {"name": "Jordan Doe", "email": "j.doe@raleighpd.gov", "badge": "4411"},
    "case_number": "2026-CR-004211",
    "targets": [{"kind": "telephone_number", "value": "(919) 555-0100"}],
    "categories": ["subscriber_info", "toll_records"],
    "date_range": {"start": "2026-08-01", "end": "2026-10-31"},
    "return_date": "2026-12-01",
}


@dataclass
class SubmissionOperation(Operation):
    """The submission takes two encodings on one path, which handler signatures cannot say."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="Multipart: a `metadata` part (JSON, the submission) and a `document` part "
            "(the signed PDF). Or JSON: the submission with `document_id` of a PDF uploaded "
            "to `POST /v1/documents`.",
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        required=["metadata", "document"],
                        properties={
                            "metadata": Reference(ref="#/components/schemas/LegalProcessSubmission"),
                            "document": Schema(type=OpenAPIType.STRING, format="binary", description="The signed PDF"),
                        },
                    ),
                ),
                "application/json": OpenAPIMediaType(
                    schema=Reference(ref="#/components/schemas/LegalProcessSubmission"),
                    examples={
                        "subpoena": Example(
                            summary="A state subpoena for basic subscriber information",
                            value=SUBMISSION_EXAMPLE | {"document_id": "doc_3f2a9c1e0b7d4e6f8a1b2c3d"},
                        )
                    },
                ),
            },
        )


@dataclass
class DocumentOperation(Operation):
    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        required=["document"],
                        properties={"document": Schema(type=OpenAPIType.STRING, format="binary")},
                    )
                )
            },
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _read_part(part: Any, field_name: str) -> bytes:
    if part is None:
        raise invalid_field(field_name, f"the multipart body has no `{field_name}` part")
    if isinstance(part, UploadFile):
        return await part.read()
    if isinstance(part, str):
        return part.encode()
    return bytes(part)


async def own_request(service: IntakeService, principal: Principal, request_id: str) -> dict[str, Any]:
    """The register row, if this principal may see it. Another agency's request is a 404,
    so its existence is not disclosed."""
    row = await service.register.get_legal_process(request_id)
    if row is None or (principal.is_agency and row["agency_id"] != principal.agency_id):
        raise Problem(404, "not-found", "Not found", f"no legal process {request_id}")
    if not principal.is_agency and not principal.has(Role.REVIEWER, Role.LEGAL, Role.AUDITOR, Role.ADMIN):
        raise PermissionDeniedException("your role cannot read legal processes")
    return row


async def run_update(service: IntakeService, request_id: str, update: Any, arg: Any) -> Any:
    try:
        return await service.handle(request_id).execute_update(update, arg)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        message = getattr(cause, "message", None) or str(cause or exc)
        raise Problem(409, "not-allowed-now", "Not allowed in the request's current state", message) from exc
    except RPCError as exc:
        if "not found" in str(exc).lower() or "already completed" in str(exc).lower():
            raise Problem(409, "not-allowed-now", "Request finished", "the request has finished; nothing can change it now") from exc
        raise Problem(503, "unavailable", "Try again", "the workflow service did not answer") from exc


class LegalProcessController(Controller):
    path = "/v1"
    tags = ["agency"]
    dependencies = intake_service

    @post(
        "/legal-processes",
        guards=[agency_only],
        operation_class=SubmissionOperation,
        status_code=HTTP_201_CREATED,
        summary="Submit legal process",
        description="Idempotent with an `Idempotency-Key` header: a retry returns the first result.",
    )
    async def submit(
        self,
        request: Request,
        service: IntakeService,
        idempotency_key: Annotated[str | None, Parameter(header="Idempotency-Key", max_length=200)] = None,
    ) -> Response[LegalProcessView]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        document: bytes | None = None
        if content_type == "multipart/form-data":
            form = await request.form()
            metadata = await _read_part(form.get("metadata"), "metadata")
            document = await _read_part(form.get("document"), "document")
            submission = decode_json(metadata, LegalProcessSubmission, prefix="metadata")
        elif content_type == "application/json":
            submission = decode_json(await request.body(), LegalProcessSubmission)
        else:
            raise Problem(415, "unsupported-media-type", "Unsupported media type",
                          "send multipart/form-data (metadata + document) or application/json", field="Content-Type")
        view, created = await service.submit(principal_of(request), submission, document, idempotency_key, _now())
        return Response(view, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @post("/documents", guards=[agency_only], operation_class=DocumentOperation, status_code=HTTP_201_CREATED,
          summary="Upload a signed document for a later JSON submission")
    async def upload_document(self, request: Request, service: IntakeService) -> DocumentOut:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "multipart/form-data":
            raise Problem(415, "unsupported-media-type", "Unsupported media type", "send multipart/form-data with a `document` part", field="Content-Type")
        form = await request.form()
        stored = await service.store_document(principal_of(request), await _read_part(form.get("document"), "document"))
        return DocumentOut(**stored)

    @get("/legal-processes", guards=[agency_only], summary="List your agency's requests")
    async def list_own(
        self,
        request: Request,
        service: IntakeService,
        status: Status | None = None,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> LegalProcessPage:
        after = _decode_cursor(cursor) if cursor else None
        rows = await service.register.list_legal_processes(
            agency_id=principal_of(request).agency_id,
            statuses=[status.value] if status else None,
            after=after,
            limit=limit + 1,
        )
        page, more = rows[:limit], len(rows) > limit
        next_cursor = _encode_cursor(page[-1]["received_at"], page[-1]["id"]) if more and page else None
        return LegalProcessPage(items=[to_view(r) for r in page], next_cursor=next_cursor)

    @get("/legal-processes/{request_id:str}", summary="Status, determination and deadlines")
    async def read(self, request: Request, service: IntakeService, request_id: str) -> LegalProcessView:
        await own_request(service, principal_of(request), request_id)
        return await service.view(request_id)

    @get("/legal-processes/{request_id:str}/submission", summary="The submission exactly as received")
    async def submission(self, request: Request, service: IntakeService, request_id: str) -> LegalProcessSubmission:
        row = await own_request(service, principal_of(request), request_id)
        return msgspec.convert(row["submission"], LegalProcessSubmission)

    @post("/legal-processes/{request_id:str}/responses", guards=[agency_only], status_code=HTTP_200_OK,
          summary="Answer a clarification request")
    async def respond(
        self, request: Request, service: IntakeService, request_id: str, data: ClarificationIn
    ) -> DecisionOut:
        principal = principal_of(request)
        await own_request(service, principal, request_id)
        body = data
        receipt = await run_update(service, request_id, LegalProcessWorkflow.respond,
                                   AgencyResponse(responder=principal.subject, text=body.text))
        return DecisionOut(status=receipt.status, approvals=receipt.approvals, approvals_required=receipt.approvals_required)

    @post("/legal-processes/{request_id:str}/withdraw", guards=[agency_only], status_code=HTTP_200_OK,
          summary="Withdraw the request")
    async def withdraw(
        self, request: Request, service: IntakeService, request_id: str, data: WithdrawalIn
    ) -> DecisionOut:
        principal = principal_of(request)
        await own_request(service, principal, request_id)
        body = data
        receipt = await run_update(service, request_id, LegalProcessWorkflow.withdraw,
                                   Withdrawal(requested_by=principal.subject, reason=body.reason))
        return DecisionOut(status=receipt.status, approvals=receipt.approvals, approvals_required=receipt.approvals_required)

    @post("/legal-processes/{request_id:str}/extensions", guards=[agency_only], status_code=HTTP_200_OK,
          summary="Extend a preservation by 90 days (once)")
    async def extend(self, request: Request, service: IntakeService, request_id: str) -> DecisionOut:
        principal = principal_of(request)
        await own_request(service, principal, request_id)
        receipt = await run_update(service, request_id, LegalProcessWorkflow.extend,
                                   ExtensionRequest(requested_by=principal.subject))
        return DecisionOut(status=receipt.status, approvals=receipt.approvals, approvals_required=receipt.approvals_required)

    @get("/legal-processes/{request_id:str}/production", guards=[agency_only], summary="Download the production (audited)",
         media_type="application/zip")
    async def production(self, request: Request, service: IntakeService, request_id: str) -> Response[bytes]:
        principal = principal_of(request)
        row = await own_request(service, principal, request_id)
        key = row.get("production_key") or ""
        if not key:
            raise Problem(404, "no-production", "No production", "there is no production for this request (yet)")
        settings = service.settings
        obj = await asyncio.to_thread(service.s3.get_object, Bucket=settings.productions_bucket, Key=key)
        data = await asyncio.to_thread(obj["Body"].read)
        await service.register.audit(
            request_id=request_id, actor=principal.subject, action="production_downloaded",
            detail={"key": key, "bytes": len(data)},
        )
        filename = key.rsplit("/", 1)[-1]
        return Response(data, media_type="application/zip" if filename.endswith(".zip") else "application/json",
                        headers={"Content-Disposition": f'attachment; filename="{request_id}-{filename}"'})


def _encode_cursor(received_at: dt.datetime, request_id: str) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode([received_at.isoformat(), request_id])).decode()


def _decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        stamp, request_id = msgspec.json.decode(base64.urlsafe_b64decode(cursor.encode()))
        return dt.datetime.fromisoformat(stamp), str(request_id)
    except (ValueError, TypeError, msgspec.DecodeError) as exc:
        raise invalid_field("cursor", "not a cursor this API issued", status_code=400) from exc
