"""Taking a legal process in: validate, store the signed document, record it, start its
workflow. Each step either completes or is undone, so a rejected or failed submission
leaves no object, row or workflow behind."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from typing import Any

import msgspec
import structlog
from sqlalchemy.exc import IntegrityError
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from contracts.api import DeterminationSummary, LegalProcessView
from contracts.determination import Determination
from contracts.enums import ProcessType, Status
from contracts.legal_process import Emergency, Identifier, LegalProcess, NdoTerm, Period, Requester
from contracts.submission import LegalProcessSubmission
from contracts.workflow import CaseState
from services.decisions.identifiers import InvalidIdentifier, normalise_identifier
from services.intake.auth.tokens import Principal
from services.intake.problems import Problem, invalid_field
from services.platform.objectstore import sha256_hex
from services.platform.settings import Settings
from services.register.repository import Register, as_utc
from services.register.transparency import refresh_report_facts
from services.workflows.legal_process.starter import ensure_started
from services.workflows.legal_process.workflows import LegalProcessWorkflow

log = structlog.get_logger(__name__)

PDF_MAGIC = b"%PDF-"

# How long a read waits for the workflow's own view before answering from the register
# (a worker that is down or busy must not stall the API).
LIVE_STATE_TIMEOUT_SECONDS = 5.0


def new_request_id() -> str:
    return "lp_" + uuid.uuid4().hex[:24]


def check_pdf(document: bytes, max_bytes: int, field: str = "document") -> None:
    if not document:
        raise invalid_field(field, "the signed document is empty")
    if len(document) > max_bytes:
        raise Problem(
            413,
            "too-large",
            "Document too large",
            f"the document is {len(document)} bytes; the limit is {max_bytes}",
            field=field,
        )
    if not document.startswith(PDF_MAGIC) or b"%%EOF" not in document[-2048:]:
        raise Problem(
            415,
            "unsupported-media-type",
            "Not a PDF",
            "the signed document must be a complete PDF file",
            field=field,
        )


def normalise_targets(submission: LegalProcessSubmission) -> list[Identifier]:
    seen: dict[tuple[str, str], Identifier] = {}
    for index, target in enumerate(submission.targets):
        try:
            ident = normalise_identifier(target.kind, target.value)
        except InvalidIdentifier as exc:
            raise invalid_field(f"targets[{index}].value", str(exc)) from exc
        seen.setdefault((ident.kind.value, ident.value), ident)
    return list(seen.values())


def check_dates(submission: LegalProcessSubmission, today: dt.date) -> None:
    if submission.issued_on > today:
        raise invalid_field("issued_on", "the process cannot be issued in the future")
    if (
        submission.date_range is not None
        and submission.date_range.end < submission.date_range.start
    ):
        raise invalid_field("date_range.end", "the range ends before it starts")
    if submission.return_date is not None and submission.return_date < submission.issued_on:
        raise invalid_field("return_date", "the return date is before the issue date")
    ndo = submission.non_disclosure_order
    if ndo is not None and ndo.ends_on is not None and ndo.ends_on < submission.issued_on:
        raise invalid_field(
            "non_disclosure_order.ends_on", "the order ends before the process was issued"
        )
    if submission.process_type is ProcessType.EMERGENCY_REQUEST and submission.emergency is None:
        raise invalid_field("emergency", "an emergency request must describe the danger")
    if len(set(submission.categories)) != len(submission.categories):
        raise invalid_field("categories", "a category is listed twice")


def submission_digest(submission: LegalProcessSubmission, document_sha256: str) -> str:
    return hashlib.sha256(msgspec.json.encode(submission) + document_sha256.encode()).hexdigest()


def to_view(
    row: dict[str, Any], state: CaseState | None = None, message: str = ""
) -> LegalProcessView:
    determination = state.determination if state and state.determination else None
    if determination is None and row.get("determination"):
        determination = msgspec.convert(row["determination"], Determination)
    summary = None
    if determination is not None:
        summary = DeterminationSummary(
            disposition=determination.disposition.value,
            allowed_categories=determination.allowed_categories,
            denied_categories=determination.denied_categories,
            flags=determination.flags,
            reasons=determination.reasons,
            targets_allowed=sum(1 for t in determination.targets if t.allowed),
            targets_refused=sum(1 for t in determination.targets if not t.allowed),
        )
    status = Status(row["status"])
    return LegalProcessView(
        id=row["id"],
        status=state.status if state else status,
        process_type=ProcessType(row["process_type"]),
        case_number=row["case_number"],
        agency_id=row["agency_id"],
        received_at=as_utc(row["received_at"]),
        updated_at=as_utc(row.get("updated_at")),
        return_date=row.get("return_date"),
        emergency=bool(row.get("emergency")),
        duplicate_of=row.get("duplicate_of"),
        document_sha256=row.get("document_sha256", ""),
        determination=summary,
        deadlines=state.deadlines if state else None,
        awaiting=state.awaiting if state else "",
        question=state.question if state else "",
        escalated=state.escalated if state else bool(row.get("escalated")),
        overdue=state.overdue if state else bool(row.get("overdue")),
        outcome=(state.outcome if state and state.outcome else row.get("outcome")),
        production_available=bool(row.get("production_key")),
        message=message,
    )


class IntakeService:
    def __init__(self, settings: Settings, register: Register, s3: Any, temporal: Client) -> None:
        self.settings = settings
        self.register = register
        self.s3 = s3
        self.temporal = temporal

    async def store_document(self, principal: Principal, document: bytes) -> dict[str, Any]:
        check_pdf(document, self.settings.max_document_bytes)
        document_id = "doc_" + uuid.uuid4().hex[:24]
        key = f"documents/{principal.agency_id}/{document_id}.pdf"
        digest = sha256_hex(document)
        await self._put_document(key, document)
        try:
            await self.register.add_document(
                {
                    "id": document_id,
                    "agency_id": principal.agency_id,
                    "key": key,
                    "sha256": digest,
                    "bytes": len(document),
                }
            )
        except Exception:
            await asyncio.to_thread(
                self.s3.delete_object, Bucket=self.settings.documents_bucket, Key=key
            )
            raise
        return {"document_id": document_id, "sha256": digest, "bytes": len(document)}

    async def submit(
        self,
        principal: Principal,
        submission: LegalProcessSubmission,
        document: bytes | None,
        idempotency_key: str | None,
        now: dt.datetime,
    ) -> tuple[LegalProcessView, bool]:
        """Returns the view and whether a new request was created (False: a replay)."""
        agency = await self.register.get_agency(principal.agency_id or "")
        if agency is None:
            raise Problem(
                403,
                "agency-not-registered",
                "Agency not registered",
                "your agency is not in the registry; contact the provider's legal team",
            )
        check_dates(submission, now.date())
        targets = normalise_targets(submission)

        if document is not None:
            if submission.document_id:
                raise invalid_field(
                    "document_id", "send either a document part or a document_id, not both"
                )
            check_pdf(document, self.settings.max_document_bytes)
            document_sha = sha256_hex(document)
            document_key = None
        else:
            if not submission.document_id:
                raise invalid_field(
                    "document_id",
                    "the signed document is required: upload it in the multipart body or give "
                    "a document_id",
                )
            stored = await self.register.get_document(submission.document_id)
            if stored is None or stored["agency_id"] != principal.agency_id:
                raise invalid_field("document_id", "no such document was uploaded by your agency")
            document_sha, document_key = stored["sha256"], stored["key"]

        digest = submission_digest(submission, document_sha)
        if idempotency_key:
            replay = await self._replay(principal, idempotency_key, digest)
            if replay is not None:
                return replay, False

        duplicate_of = await self.register.find_duplicate(
            principal.agency_id, submission.case_number, targets
        )
        if duplicate_of is not None:
            case_targets = await self.register.case_targets(duplicate_of)
            if {(t.kind.value, t.value) for t in targets} <= case_targets:
                # Same case, nothing new asked: point the agency at the request already in hand.
                view = await self.view(duplicate_of)
                return msgspec.structs.replace(
                    view,
                    message=f"duplicate: every target is already in request {duplicate_of} "
                    f"for this case",
                ), False

        request_id = new_request_id()
        if document_key is None:
            document_key = f"documents/{principal.agency_id}/{request_id}/process.pdf"
            await self._put_document(document_key, document)
        officer_known = await self.register.officer_known(agency["id"], submission.officer.email)
        process = self._to_process(
            submission,
            agency,
            targets,
            request_id,
            now,
            document_key,
            document_sha,
            duplicate_of,
            officer_known,
        )
        row = {
            "id": request_id,
            "agency_id": principal.agency_id,
            "process_type": submission.process_type.value,
            "case_number": submission.case_number,
            "status": Status.RECEIVED.value,
            "emergency": submission.process_type is ProcessType.EMERGENCY_REQUEST,
            "received_at": now,
            "return_date": submission.return_date,
            "duplicate_of": duplicate_of,
            "idempotency_key": idempotency_key,
            "request_digest": digest,
            "submission": msgspec.to_builtins(submission),
            "process": msgspec.to_builtins(process),
            "document_key": document_key,
            "document_sha256": document_sha,
        }
        try:
            await self.register.insert_legal_process(row, targets, actor=principal.subject)
        except Exception as exc:
            if document is not None:
                await asyncio.to_thread(
                    self.s3.delete_object, Bucket=self.settings.documents_bucket, Key=document_key
                )
            if idempotency_key and isinstance(exc, IntegrityError):
                # A concurrent retry with the same key won the insert: answer as its replay.
                replay = await self._replay(principal, idempotency_key, digest)
                if replay is not None:
                    return replay, False
            raise
        await refresh_report_facts(self.register.engine, [request_id])  # transparency (§10)
        try:
            await ensure_started(self.temporal, self.settings.task_queue, process)
        except RPCError as exc:
            log.error("workflow start failed; intake undone", request_id=request_id, error=str(exc))
            await self.register.abort_intake(
                request_id, actor=principal.subject, reason="workflow could not be started"
            )
            if document is not None:
                await asyncio.to_thread(
                    self.s3.delete_object, Bucket=self.settings.documents_bucket, Key=document_key
                )
            raise Problem(
                503,
                "unavailable",
                "Try again",
                "the request could not be started; nothing was kept, retry with the same "
                "Idempotency-Key",
            ) from exc
        log.info(
            "legal process received",
            request_id=request_id,
            process_type=submission.process_type.value,
        )
        message = (
            f"linked to earlier request {duplicate_of} for the same case" if duplicate_of else ""
        )
        return await self.view(request_id, message=message), True

    async def _replay(
        self, principal: Principal, idempotency_key: str, digest: str
    ) -> LegalProcessView | None:
        """The first answer to this Idempotency-Key, or None when the key is new."""
        earlier = await self.register.find_by_idempotency_key(principal.agency_id, idempotency_key)
        if earlier is None:
            return None
        if earlier["request_digest"] != digest:
            raise Problem(
                422,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                "this Idempotency-Key was used for a different submission",
                field="Idempotency-Key",
            )
        if earlier["status"] == Status.RECEIVED.value:
            # The first attempt may have died between recording and starting: finish its job.
            await ensure_started(
                self.temporal,
                self.settings.task_queue,
                msgspec.convert(earlier["process"], LegalProcess),
            )
        return await self.view(
            earlier["id"], message="replayed: this submission was already received"
        )

    async def view(self, request_id: str, message: str = "") -> LegalProcessView:
        row = await self.register.get_legal_process(request_id)
        if row is None:
            raise Problem(404, "not-found", "Not found", f"no legal process {request_id}")
        state = await self.live_state(request_id) if row["status"] else None
        return to_view(row, state, message)

    async def live_state(self, request_id: str) -> CaseState | None:
        """The workflow's own view, when it answers; the register otherwise."""
        try:
            return await asyncio.wait_for(
                self.handle(request_id).query(LegalProcessWorkflow.state),
                timeout=LIVE_STATE_TIMEOUT_SECONDS,
            )
        except (TimeoutError, RPCError) as exc:
            log.warning(
                "live state unavailable; answering from the register",
                request_id=request_id,
                error=type(exc).__name__,
            )
            return None

    def handle(self, request_id: str) -> WorkflowHandle:
        return self.temporal.get_workflow_handle_for(LegalProcessWorkflow.run, request_id)

    async def _put_document(self, key: str, document: bytes) -> None:
        await asyncio.to_thread(
            self.s3.put_object,
            Bucket=self.settings.documents_bucket,
            Key=key,
            Body=document,
            ContentType="application/pdf",
            ChecksumAlgorithm="SHA256",
        )

    def _to_process(
        self,
        submission: LegalProcessSubmission,
        agency: dict[str, Any],
        targets: list[Identifier],
        request_id: str,
        now: dt.datetime,
        document_key: str,
        document_sha: str,
        duplicate_of: str | None,
        officer_known: bool,
    ) -> LegalProcess:
        officer_domain = submission.officer.email.rsplit("@", 1)[-1].lower()
        domains = {d.lower() for d in agency["email_domains"]}
        ndo = submission.non_disclosure_order
        emergency = submission.emergency
        return LegalProcess(
            request_id=request_id,
            process_type=submission.process_type,
            issuer_kind=submission.issuer.kind,
            issuer_name=submission.issuer.name,
            jurisdiction=submission.issuer.jurisdiction,
            issued_on=submission.issued_on,
            received_at=now,
            case_number=submission.case_number,
            requester=Requester(
                agency_id=agency["id"],
                agency_name=agency["name"],
                agency_jurisdiction=agency["jurisdiction"],
                officer_name=submission.officer.name,
                officer_email=submission.officer.email.lower(),
                agency_registered=True,
                email_domain_verified=officer_domain in domains,
                officer_known=officer_known,
            ),
            targets=targets,
            categories=list(submission.categories),
            period=Period(start=submission.date_range.start, end=submission.date_range.end)
            if submission.date_range
            else None,
            return_date=submission.return_date,
            non_disclosure_order=NdoTerm(authority=ndo.authority, ends_on=ndo.ends_on)
            if ndo
            else None,
            emergency=Emergency(
                nature_of_danger=emergency.nature_of_danger,
                follow_up_process_expected=emergency.follow_up_process_expected,
            )
            if emergency
            else None,
            reimbursement_requested=bool(
                submission.reimbursement and submission.reimbursement.requested
            ),
            document_key=document_key,
            document_sha256=document_sha,
            duplicate_of=duplicate_of,
        )
