"""Taking a legal process in: validate, store the signed document, record it, start its
workflow. Each step either completes or is undone, so a rejected or failed submission
leaves no object, row or workflow behind."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import uuid
from typing import Any

import msgspec
import structlog
from sqlalchemy.exc import IntegrityError
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
)
from temporalio.service import RPCError

from contracts.api import DocumentOut, LegalProcessPage, LegalProcessView
from contracts.enums import ProcessType, Status
from contracts.legal_process import (
    Emergency,
    Identifier,
    LegalProcess,
    NdoTerm,
    Period,
    Requester,
    is_request_id,
)
from contracts.submission import LegalProcessSubmission
from contracts.workflow import CaseState, FollowUpArrival
from services.decisions.requester_checks import verification_findings
from services.intake.auth.tokens import Principal
from services.intake.legal_processes.checks import (
    check_dates,
    check_pdf,
    normalise_targets,
    submission_digest,
)
from services.intake.legal_processes.views import to_view
from services.intake.problems import Problem, invalid_field
from services.platform.objectstore import sha256_hex
from services.platform.settings import Settings
from services.register.agencies import AgencyRecord, OfficerStatus
from services.register.case_register import Register
from services.register.documents import DocumentRecord
from services.register.engine import as_utc
from services.register.legal_processes import LegalProcessRecord
from services.workflows.legal_process.follow_up import (
    EmergencyFollowUpWorkflow,
    follow_up_workflow_id,
)
from services.workflows.legal_process.starter import ensure_started
from services.workflows.legal_process.workflows import LegalProcessWorkflow

log = structlog.get_logger(__name__)

# How long a read waits for the workflow's own view before answering from the register
# (a worker that is down or busy must not stall the API).
LIVE_STATE_TIMEOUT_SECONDS = 5.0


def new_request_id() -> str:
    return "lp_" + uuid.uuid4().hex[:24]


def encode_cursor(received_at: dt.datetime, request_id: str) -> str:
    return base64.urlsafe_b64encode(
        msgspec.json.encode([as_utc(received_at).isoformat(), request_id])
    ).decode()


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """The (received_at, id) a page ended at. The time is UTC (a cursor from before cursors
    carried an offset is read as UTC): one the register can compare whatever the backend."""
    try:
        stamp, request_id = msgspec.json.decode(base64.urlsafe_b64decode(cursor.encode()))
        at = as_utc(dt.datetime.fromisoformat(stamp))
    except (ValueError, TypeError, OverflowError, msgspec.DecodeError) as exc:
        raise invalid_field("cursor", "not a cursor this API issued", status_code=400) from exc
    if not isinstance(request_id, str) or not is_request_id(request_id):
        raise invalid_field("cursor", "not a cursor this API issued", status_code=400)
    return at, request_id


class IntakeService:
    def __init__(self, settings: Settings, register: Register, s3: Any, temporal: Client) -> None:
        self.settings = settings
        self.register = register
        self.s3 = s3
        self.temporal = temporal

    async def store_document(self, principal: Principal, document: bytes) -> DocumentOut:
        check_pdf(document, self.settings.max_document_bytes)
        document_id = "doc_" + uuid.uuid4().hex[:24]
        key = f"documents/{principal.agency_id}/{document_id}.pdf"
        digest = sha256_hex(document)
        await self._put_document(key, document)
        try:
            await self.register.documents.add(
                DocumentRecord(
                    id=document_id,
                    agency_id=principal.agency_id or "",
                    key=key,
                    sha256=digest,
                    bytes=len(document),
                )
            )
        except Exception:
            await asyncio.to_thread(
                self.s3.delete_object, Bucket=self.settings.documents_bucket, Key=key
            )
            raise
        return DocumentOut(document_id=document_id, sha256=digest, bytes=len(document))

    async def submit(
        self,
        principal: Principal,
        submission: LegalProcessSubmission,
        document: bytes | None,
        idempotency_key: str | None,
        now: dt.datetime,
    ) -> tuple[LegalProcessView, bool]:
        """Returns the view and whether a new request was created (False: a replay)."""
        agency = await self.register.agencies.get(principal.agency_id or "")
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
            stored = await self.register.documents.get(submission.document_id)
            if stored is None or stored.agency_id != principal.agency_id:
                raise invalid_field("document_id", "no such document was uploaded by your agency")
            document_sha, document_key = stored.sha256, stored.key

        digest = submission_digest(submission, document_sha)
        if idempotency_key:
            replay = await self._replay(principal, idempotency_key, digest)
            if replay is not None:
                return replay, False

        follows_emergency = await self._follows_emergency(agency, submission)
        duplicate_of = await self.register.legal_processes.find_duplicate(
            agency.id,
            submission.case_number,
            targets,
            # Legal process following an emergency request is its follow-up, not a duplicate.
            exclude_emergencies=submission.process_type is not ProcessType.EMERGENCY_REQUEST,
        )
        if duplicate_of is not None:
            case_targets = await self.register.legal_processes.case_targets(duplicate_of)
            if {(t.kind.value, t.value) for t in targets} <= case_targets:
                # Same case, nothing new asked: point the agency at the request already in hand.
                view = await self.recorded_view(duplicate_of)
                return msgspec.structs.replace(
                    view,
                    message=f"duplicate: every target is already in request {duplicate_of} "
                    f"for this case",
                ), False

        request_id = new_request_id()
        if document_key is None:
            document_key = f"documents/{principal.agency_id}/{request_id}/process.pdf"
            await self._put_document(document_key, document)
        officer_status = await self.register.agencies.officer_status(
            agency.id, submission.officer.email
        )
        process = self._to_process(
            submission,
            agency,
            targets,
            request_id,
            now,
            document_key,
            document_sha,
            duplicate_of,
            officer_status,
        )
        process = await self._with_findings(process, agency, principal, officer_status)
        process = msgspec.structs.replace(process, follows_emergency=follows_emergency)
        record = LegalProcessRecord(
            id=request_id,
            agency_id=agency.id,
            process_type=submission.process_type,
            case_number=submission.case_number,
            status=Status.RECEIVED,
            emergency=submission.process_type is ProcessType.EMERGENCY_REQUEST,
            received_at=now,
            return_date=submission.return_date,
            duplicate_of=duplicate_of,
            idempotency_key=idempotency_key,
            request_digest=digest,
            submission=msgspec.to_builtins(submission),
            process=process,
            document_key=document_key,
            document_sha256=document_sha,
            officer_email=process.requester.officer_email,
            follows_emergency=follows_emergency,
        )
        try:
            await self.register.legal_processes.insert(record, actor=principal.subject)
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
        if follows_emergency:
            await self._tell_follow_up_tracker(follows_emergency, request_id, now)
        try:
            await ensure_started(self.temporal, self.settings.task_queue, process)
        except RPCError as exc:
            log.error("workflow start failed; intake undone", request_id=request_id, error=str(exc))
            await self.register.legal_processes.abort_intake(
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
        # Answered from what was just written: the workflow has only been started, and
        # querying it would wait for its first workflow task (bench/README.md, issue 12).
        return to_view(
            msgspec.structs.replace(record, updated_at=record.received_at), message=message
        ), True

    async def _replay(
        self, principal: Principal, idempotency_key: str, digest: str
    ) -> LegalProcessView | None:
        """The first answer to this Idempotency-Key, or None when the key is new."""
        earlier = await self.register.legal_processes.find_by_idempotency_key(
            principal.agency_id or "", idempotency_key
        )
        if earlier is None:
            return None
        if earlier.request_digest != digest:
            raise Problem(
                422,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                "this Idempotency-Key was used for a different submission",
                field="Idempotency-Key",
            )
        if earlier.status is Status.RECEIVED:
            # The first attempt may have died between recording and starting: finish its job.
            await ensure_started(self.temporal, self.settings.task_queue, earlier.process)
        return await self.recorded_view(
            earlier.id, message="replayed: this submission was already received"
        )

    async def page_of_own(
        self, principal: Principal, status: Status | None, cursor: str | None, limit: int
    ) -> LegalProcessPage:
        """The agency's requests, newest first, ``limit`` a page; ``cursor`` continues one."""
        records = await self.register.legal_processes.list(
            agency_id=principal.agency_id,
            statuses=[status] if status else None,
            after=decode_cursor(cursor) if cursor else None,
            limit=limit + 1,
        )
        page, more = records[:limit], len(records) > limit
        next_cursor = encode_cursor(page[-1].received_at, page[-1].id) if more and page else None
        return LegalProcessPage(
            items=[to_view(r, staff=False) for r in page], next_cursor=next_cursor
        )

    async def view(
        self, request_id: str, message: str = "", *, staff: bool = False
    ) -> LegalProcessView:
        """The agency's view of the request, or with ``staff`` the staff's (issue 11)."""
        record = await self.register.legal_processes.get(request_id)
        if record is None:
            raise Problem(404, "not-found", "Not found", f"no legal process {request_id}")
        return to_view(record, await self.live_state(request_id), message, staff=staff)

    async def recorded_view(self, request_id: str, message: str = "") -> LegalProcessView:
        """The register's view alone: what the submit path answers (no workflow query)."""
        record = await self.register.legal_processes.get(request_id)
        if record is None:
            raise Problem(404, "not-found", "Not found", f"no legal process {request_id}")
        return to_view(record, message=message)

    async def live_state(self, request_id: str) -> CaseState | None:
        """The workflow's own view, when it answers; the register otherwise (a timeout, an
        RPC failure, or a query the workflow failed or rejected, e.g. the SDK's "Potential
        deadlock" under load: the register's view is older, never wrong)."""
        try:
            return await asyncio.wait_for(
                self.handle(request_id).query(LegalProcessWorkflow.state),
                timeout=LIVE_STATE_TIMEOUT_SECONDS,
            )
        except (
            TimeoutError,
            RPCError,
            WorkflowQueryFailedError,
            WorkflowQueryRejectedError,
        ) as exc:
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

    # -- issue 11: requester findings and emergency follow-up ---------------------------

    async def _with_findings(
        self,
        process: LegalProcess,
        agency: AgencyRecord,
        principal: Principal,
        officer_status: OfficerStatus | None,
    ) -> LegalProcess:
        """The process with every requester-verification finding (services/decisions/
        requester_checks.py), checked against every registered agency's domains."""
        requester = process.requester
        registered = [d for a in await self.register.agencies.list() for d in a.email_domains]
        findings = verification_findings(
            agency_registered=requester.agency_registered,
            agency_domains=agency.email_domains,
            registered_domains=registered,
            officer_email=requester.officer_email,
            officer_on_roster=officer_status == "active",
            officer_deactivated=officer_status == "deactivated",
            officer_has_asked_before=await self.register.legal_processes.officer_has_asked(
                agency.id, requester.officer_email
            ),
            token_subject=principal.subject,
        )
        return msgspec.structs.replace(
            process,
            requester=msgspec.structs.replace(
                requester, findings=findings, token_subject=principal.subject
            ),
        )

    async def _follows_emergency(
        self, agency: AgencyRecord, submission: LegalProcessSubmission
    ) -> str | None:
        """The emergency request this submission follows up: the one it names (which must
        exist, be the agency's own and be an emergency request), else the latest emergency
        request of the same agency and case number still awaiting its follow-up."""
        if submission.process_type is ProcessType.EMERGENCY_REQUEST:
            if submission.follows_emergency:
                raise invalid_field(
                    "follows_emergency", "an emergency request does not follow up another one"
                )
            return None
        named = submission.follows_emergency
        if named is None:
            return await self.register.legal_processes.emergency_to_follow_up(
                agency.id, submission.case_number
            )
        earlier = await self.register.legal_processes.get(named)
        if earlier is None or earlier.agency_id != agency.id:
            raise invalid_field("follows_emergency", "no such request of your agency")
        if not earlier.emergency:
            raise invalid_field("follows_emergency", f"request {named} is not an emergency request")
        if earlier.follow_up_request_id:
            raise invalid_field(
                "follows_emergency",
                f"request {named} is already followed up by {earlier.follow_up_request_id}",
            )
        return named

    async def _tell_follow_up_tracker(
        self, emergency_id: str, request_id: str, now: dt.datetime
    ) -> None:
        """Best effort: the register already holds the link; a tracker that has finished
        (the deadline passed) or never started has nothing to be told."""
        try:
            await self.temporal.get_workflow_handle(follow_up_workflow_id(emergency_id)).signal(
                EmergencyFollowUpWorkflow.follow_up_received,
                FollowUpArrival(follow_up_request_id=request_id, received_at=now),
            )
        except RPCError as exc:
            log.info(
                "follow-up tracker not running; the register holds the link",
                request_id=emergency_id,
                error=str(exc),
            )

    def _to_process(
        self,
        submission: LegalProcessSubmission,
        agency: AgencyRecord,
        targets: list[Identifier],
        request_id: str,
        now: dt.datetime,
        document_key: str,
        document_sha: str,
        duplicate_of: str | None,
        officer_status: OfficerStatus | None,
    ) -> LegalProcess:
        officer_domain = submission.officer.email.rsplit("@", 1)[-1].lower()
        domains = {d.lower() for d in agency.email_domains}
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
                agency_id=agency.id,
                agency_name=agency.name,
                agency_jurisdiction=agency.jurisdiction,
                officer_name=submission.officer.name,
                officer_email=submission.officer.email.lower(),
                agency_registered=True,
                email_domain_verified=officer_domain in domains,
                officer_known=officer_status == "active",
                officer_deactivated=officer_status == "deactivated",
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
