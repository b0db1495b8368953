"""Agency-side endpoints (docs/architecture.md §4): submit, read, answer, withdraw, extend,
download."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import re
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException, PermissionDeniedException
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
from contracts.submission import LegalProcessSubmission
from contracts.workflow import AgencyResponse, ExtensionRequest, Withdrawal
from services.intake.auth.guards import agency_only, principal_of
from services.intake.auth.tokens import Principal
from services.intake.deps import intake_service
from services.intake.legal_processes.docs import (
    ALREADY_RECEIVED,
    CLARIFICATION_EXAMPLES,
    DOCUMENT_BODY,
    SUBMISSION_BODY,
    WITHDRAWAL_EXAMPLES,
)
from services.intake.legal_processes.services import IntakeService, to_view
from services.intake.openapi import documented
from services.intake.problems import Problem, decode_json, invalid_field
from services.register.repository import as_utc
from services.workflows.legal_process.workflows import LegalProcessWorkflow

# Request ids are issued by this API ("lp_" + hex); anything else cannot name one, and is
# refused before it reaches the register (PostgreSQL cannot even compare text holding NUL).
REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
RequestId = Annotated[
    str,
    Parameter(pattern=f"^{REQUEST_ID.pattern}$", max_length=64, description="A request id, lp_..."),
]
IdempotencyKey = Annotated[
    str | None,
    Parameter(
        header="Idempotency-Key",
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Printable ASCII, chosen by the client: a retry with the same key returns "
        "the first result",
    ),
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def read_form(request: Request) -> Any:
    """The multipart body, or a 400 naming the body when it cannot be parsed. Litestar's
    parser raises a bare 400 for a broken body, a validation error for a missing boundary,
    and lets a text part that is not in its declared charset escape as a decoding error."""
    try:
        return await request.form()
    except (ClientException, UnicodeDecodeError, LookupError) as exc:
        if isinstance(exc, ClientException) and exc.status_code != 400:
            raise  # a body over the size limit stays a 413
        detail = exc.detail if isinstance(exc, ClientException) else str(exc)
        raise Problem(
            400,
            "malformed-multipart",
            "The multipart body cannot be read",
            f"body: {detail}",
            field="body",
        ) from exc


async def _read_part(part: Any, field_name: str) -> bytes:
    if part is None:
        raise invalid_field(field_name, f"the multipart body has no `{field_name}` part")
    if isinstance(part, UploadFile):
        return await part.read()
    if isinstance(part, str):
        return part.encode()
    return bytes(part)


async def own_request(
    service: IntakeService, principal: Principal, request_id: str
) -> dict[str, Any]:
    """The register row, if this principal may see it. Another agency's request is a 404,
    so its existence is not disclosed; a role that may read no request is refused before the
    lookup, for the same reason."""
    if not principal.is_agency and not principal.has(
        Role.REVIEWER, Role.LEGAL, Role.AUDITOR, Role.ADMIN
    ):
        raise PermissionDeniedException("your role cannot read legal processes")
    row = await service.register.get_legal_process(request_id)
    if row is None or (principal.is_agency and row["agency_id"] != principal.agency_id):
        raise Problem(404, "not-found", "Not found", f"no legal process {request_id}")
    return row


async def send_update(
    service: IntakeService, principal: Principal, request_id: str, update: Any, arg: Any
) -> DecisionOut:
    """Deliver a workflow update for a request this principal may act on; the workflow's
    validator refusing it is a 409 naming why, and nothing changes."""
    await own_request(service, principal, request_id)
    try:
        receipt = await service.handle(request_id).execute_update(update, arg)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        message = getattr(cause, "message", None) or str(cause or exc)
        raise Problem(
            409, "not-allowed-now", "Not allowed in the request's current state", message
        ) from exc
    except RPCError as exc:
        if "not found" in str(exc).lower() or "already completed" in str(exc).lower():
            raise Problem(
                409,
                "not-allowed-now",
                "Request finished",
                "the request has finished; nothing can change it now",
            ) from exc
        raise Problem(
            503, "unavailable", "Try again", "the workflow service did not answer"
        ) from exc
    return DecisionOut(
        status=receipt.status,
        approvals=receipt.approvals,
        approvals_required=receipt.approvals_required,
    )


class LegalProcessController(Controller):
    path = "/v1"
    tags = ["agency"]
    dependencies = intake_service

    @post(
        "/legal-processes",
        guards=[agency_only],
        operation_class=documented(request_body=SUBMISSION_BODY, responses=ALREADY_RECEIVED),
        status_code=HTTP_201_CREATED,
        summary="Submit legal process",
        description="Idempotent with an `Idempotency-Key` header: a retry returns the first "
        "result (200). "
        "A request of a case already submitted that names no new target is answered with the "
        "earlier "
        "request (200); one that adds targets is created and linked to it (`duplicate_of`).",
    )
    async def submit(
        self,
        request: Request,
        service: IntakeService,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[LegalProcessView]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        document: bytes | None = None
        if content_type == "multipart/form-data":
            form = await read_form(request)
            metadata = await _read_part(form.get("metadata"), "metadata")
            document = await _read_part(form.get("document"), "document")
            submission = decode_json(metadata, LegalProcessSubmission, part="metadata")
        elif content_type == "application/json":
            submission = decode_json(await request.body(), LegalProcessSubmission)
        else:
            raise Problem(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                "send multipart/form-data (metadata + document) or application/json",
                field="Content-Type",
            )
        view, created = await service.submit(
            principal_of(request), submission, document, idempotency_key, _now()
        )
        return Response(view, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @post(
        "/documents",
        guards=[agency_only],
        status_code=HTTP_201_CREATED,
        summary="Upload a signed document for a later JSON submission",
        operation_class=documented(request_body=DOCUMENT_BODY),
    )
    async def upload_document(self, request: Request, service: IntakeService) -> DocumentOut:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "multipart/form-data":
            raise Problem(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                "send multipart/form-data with a `document` part",
                field="Content-Type",
            )
        form = await read_form(request)
        stored = await service.store_document(
            principal_of(request), await _read_part(form.get("document"), "document")
        )
        return DocumentOut(**stored)

    @get(
        "/legal-processes",
        guards=[agency_only],
        summary="List your agency's requests",
        operation_class=documented(),
    )
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
        next_cursor = (
            _encode_cursor(page[-1]["received_at"], page[-1]["id"]) if more and page else None
        )
        return LegalProcessPage(items=[to_view(r) for r in page], next_cursor=next_cursor)

    @get(
        "/legal-processes/{request_id:str}",
        summary="Status, determination and deadlines",
        operation_class=documented(),
    )
    async def read(
        self, request: Request, service: IntakeService, request_id: RequestId
    ) -> LegalProcessView:
        await own_request(service, principal_of(request), request_id)
        return await service.view(request_id)

    @get(
        "/legal-processes/{request_id:str}/submission",
        summary="The submission exactly as received",
        operation_class=documented(),
    )
    async def submission(
        self, request: Request, service: IntakeService, request_id: RequestId
    ) -> LegalProcessSubmission:
        row = await own_request(service, principal_of(request), request_id)
        return msgspec.convert(row["submission"], LegalProcessSubmission)

    @post(
        "/legal-processes/{request_id:str}/responses",
        guards=[agency_only],
        status_code=HTTP_200_OK,
        summary="Answer a clarification request",
        operation_class=documented(CLARIFICATION_EXAMPLES),
    )
    async def respond(
        self, request: Request, service: IntakeService, request_id: RequestId, data: ClarificationIn
    ) -> DecisionOut:
        principal = principal_of(request)
        return await send_update(
            service,
            principal,
            request_id,
            LegalProcessWorkflow.respond,
            AgencyResponse(responder=principal.subject, text=data.text),
        )

    @post(
        "/legal-processes/{request_id:str}/withdraw",
        guards=[agency_only],
        status_code=HTTP_200_OK,
        summary="Withdraw the request",
        operation_class=documented(WITHDRAWAL_EXAMPLES),
    )
    async def withdraw(
        self, request: Request, service: IntakeService, request_id: RequestId, data: WithdrawalIn
    ) -> DecisionOut:
        principal = principal_of(request)
        return await send_update(
            service,
            principal,
            request_id,
            LegalProcessWorkflow.withdraw,
            Withdrawal(requested_by=principal.subject, reason=data.reason),
        )

    @post(
        "/legal-processes/{request_id:str}/extensions",
        guards=[agency_only],
        status_code=HTTP_200_OK,
        summary="Extend a preservation by 90 days (once)",
        operation_class=documented(),
    )
    async def extend(
        self, request: Request, service: IntakeService, request_id: RequestId
    ) -> DecisionOut:
        principal = principal_of(request)
        return await send_update(
            service,
            principal,
            request_id,
            LegalProcessWorkflow.extend,
            ExtensionRequest(requested_by=principal.subject),
        )

    @get(
        "/legal-processes/{request_id:str}/production",
        guards=[agency_only],
        summary="Download the production (audited)",
        media_type="application/zip",
        operation_class=documented(),
    )
    async def production(
        self, request: Request, service: IntakeService, request_id: RequestId
    ) -> Response[bytes]:
        principal = principal_of(request)
        row = await own_request(service, principal, request_id)
        key = row.get("production_key") or ""
        if not key:
            raise Problem(
                404,
                "no-production",
                "No production",
                "there is no production for this request (yet)",
            )
        settings = service.settings
        obj = await asyncio.to_thread(
            service.s3.get_object, Bucket=settings.productions_bucket, Key=key
        )
        data = await asyncio.to_thread(obj["Body"].read)
        await service.register.audit(
            request_id=request_id,
            actor=principal.subject,
            action="production_downloaded",
            detail={"key": key, "bytes": len(data)},
        )
        filename = key.rsplit("/", 1)[-1]
        return Response(
            data,
            media_type="application/zip" if filename.endswith(".zip") else "application/json",
            headers={"Content-Disposition": f'attachment; filename="{request_id}-{filename}"'},
        )


def _encode_cursor(received_at: dt.datetime, request_id: str) -> str:
    return base64.urlsafe_b64encode(
        msgspec.json.encode([as_utc(received_at).isoformat(), request_id])
    ).decode()


def _decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """The (received_at, id) a page ended at. The time is UTC (a cursor from before cursors
    carried an offset is read as UTC): one the register can compare whatever the backend."""
    try:
        stamp, request_id = msgspec.json.decode(base64.urlsafe_b64decode(cursor.encode()))
        at = as_utc(dt.datetime.fromisoformat(stamp))
    except (ValueError, TypeError, OverflowError, msgspec.DecodeError) as exc:
        raise invalid_field("cursor", "not a cursor this API issued", status_code=400) from exc
    if not isinstance(request_id, str) or not REQUEST_ID.fullmatch(request_id):
        raise invalid_field("cursor", "not a cursor this API issued", status_code=400)
    return at, request_id
