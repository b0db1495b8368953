"""The review UI (docs/architecture.md §4, docs/review.md): the queue, one request with its
submission, determination, production and timeline, and the forms that move it (verify,
call-back, approve with narrowing, reject, ask, escalate). Server-rendered; every page works
without script (``ui.js``, served from here, adds the countdown, keys and kept drafts). It
calls the same services as the staff API (``ReviewService``, ``review_decision``,
``WorkflowUpdates``), so the workflow's rules apply unchanged."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
import msgspec
from botocore.exceptions import ClientError
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from contracts.api import AssignmentIn, CallbackIn, DecisionIn, VerificationIn
from contracts.enums import (
    DataCategory,
    DecisionAction,
    IdentifierKind,
    ProcessType,
    RejectionReason,
    Role,
    Status,
)
from contracts.legal_process import is_request_id
from contracts.workflow import Timing
from services.decisions.policy import load_policy, timing
from services.decisions.safeguards import callback_outstanding, unverified_facts
from services.intake.auth.tokens import InvalidToken, Principal
from services.intake.deps import dependencies
from services.intake.legal_processes.access import CaseAccess
from services.intake.legal_processes.bodies import read_form
from services.intake.legal_processes.services import IntakeService
from services.intake.legal_processes.updates import WorkflowUpdates
from services.intake.legal_processes.views import determination_of, to_view
from services.intake.problems import Problem, msgspec_field
from services.intake.review.services import OPEN_STATUSES, ReviewService, review_decision
from services.intake.ui import session
from services.intake.ui.timeline import timeline
from services.intake.ui.urgency import remaining_text, urgency
from services.workflows.legal_process.workflows import LegalProcessWorkflow

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
QUEUE_PAGE = 25
HTML = "text/html; charset=utf-8"
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# The request page alone embeds the submitted PDF, from this app only.
REQUEST_PAGE_CSP = CSP + "; frame-src 'self'; object-src 'self'"
# The PDF itself: nothing runs in it, and only this app's request page may frame it.
DOCUMENT_CSP = "default-src 'none'; frame-ancestors 'self'; sandbox"
DECISION_LABELS = {
    DecisionAction.APPROVE: "approved",
    DecisionAction.REJECT: "rejected",
    DecisionAction.ASK_AGENCY: "question sent to the agency",
    DecisionAction.ESCALATE_TO_LEGAL: "escalated to legal",
    DecisionAction.CONFIRM_REFUSAL: "refusal confirmed",
    DecisionAction.OVERRIDE_REFUSAL: "refusal overridden, back in review",
}


def render(
    template: str,
    request: Request,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
    csp: str = CSP,
    **context: Any,
) -> Response[str]:
    token, new_cookie = session.csrf_token(request)
    out_cookies = list(cookies or [])
    if new_cookie is not None:
        out_cookies.append(new_cookie)
    flash = session.read_flash(request)
    if flash is not None:
        out_cookies.append(session.expired(request, session.FLASH_COOKIE))
    html = TEMPLATES.get_template(template).render(
        principal=principal,
        csrf_token=token,
        csrf_field=session.CSRF_FIELD,
        flash=flash,
        session_expires=session.expires_at(request) if principal else None,
        request_path=request.url.path,
        **context,
    )
    return Response(
        html,
        status_code=status_code,
        media_type=HTML,
        cookies=out_cookies,
        headers=SECURITY_HEADERS | {"Content-Security-Policy": csp},
    )


def _login_redirect(request: Request, exc: Exception) -> Response:
    """To the sign-in form, remembering the page to come back to (a form's POST comes back
    to its page: the text typed into it is kept by ``ui.js``)."""
    reason = "expired" if request.cookies.get(session.SESSION_COOKIE) else ""
    back = session.return_path(request)
    query = {"next": back} if back != "/ui/" else {}
    if reason:
        query["reason"] = reason
    return Redirect(
        f"/ui/login?{urlencode(query)}" if query else "/ui/login",
        status_code=HTTP_303_SEE_OTHER,
        cookies=[session.expired(request, session.SESSION_COOKIE)],
    )


def _error_page(request: Request, exc: HTTPException) -> Response:
    """Errors inside the UI are pages, not problem documents or stack traces."""
    try:
        principal = session.session_principal(request)
    except session.LoginRequired:
        principal = None
    return render(
        "error.html",
        request,
        principal=principal,
        status_code=exc.status_code,
        error=exc.detail or "the request could not be completed",
    )


def _stylesheet() -> str:
    return (Path(__file__).parent / "templates" / "ui.css").read_text()


def _script() -> str:
    return (Path(__file__).parent / "templates" / "ui.js").read_text()


def _option(value: str | None, enum: type, name: str) -> Any:
    if not value:
        return None
    try:
        return enum(value)
    except ValueError as exc:
        raise Problem(
            400,
            "invalid-field",
            "A filter is invalid",
            f"{name}: {value!r} is not a known value",
            field=name,
        ) from exc


def _tristate(value: str | None, name: str) -> bool | None:
    if not value:
        return None
    if value in {"true", "false"}:
        return value == "true"
    raise Problem(
        400, "invalid-field", "A filter is invalid", f"{name}: use true or false", field=name
    )


def _request_id(request_id: str) -> str:
    if not is_request_id(request_id):
        raise Problem(404, "not-found", "Not found", "no such legal process")
    return request_id


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _many(form: Any, name: str) -> list[str]:
    getall = getattr(form, "getall", None)
    values = getall(name, []) if getall else [form.get(name)]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _convert(fields: dict[str, Any], into: type) -> Any:
    try:
        return msgspec.convert(fields, into)
    except msgspec.ValidationError as exc:
        field, message = msgspec_field(exc, root="form")
        raise Problem(
            422, "invalid-field", "A field is invalid", f"{field}: {message}", field=field
        ) from exc


def _decision_from_form(form: Any) -> DecisionIn:
    fields: dict[str, Any] = {"action": form.get("action") or ""}
    for name in ("reason_code", "note", "question"):
        if _text(form, name):
            fields[name] = _text(form, name)
    if fields["action"] == DecisionAction.OVERRIDE_REFUSAL.value:
        # What the overriding reviewer puts back in review (the workflow checks it).
        fields["categories"] = _many(form, "categories")
    if fields["action"] == DecisionAction.APPROVE.value and _text(form, "narrow") == "yes":
        # The approve form lists what the determination allows, all ticked: what is left
        # unticked is narrowed away. The workflow refuses anything wider.
        # Only what the reviewer changed is a narrowing (the form starts at what is allowed).
        fields["categories"] = _many(form, "categories")
        if set(fields["categories"]) == set(_many(form, "allowed_categories")):
            del fields["categories"]
        elif not fields["categories"]:
            raise Problem(
                422,
                "invalid-field",
                "A field is invalid",
                "categories: keep at least one category, or reject instead",
                field="categories",
            )
        targets = _many(form, "targets")
        if _text(form, "narrow_targets") == "yes" and set(targets) != set(
            _many(form, "allowed_targets")
        ):
            fields["targets"] = targets
        start, end = _text(form, "period_start"), _text(form, "period_end")
        allowed = (_text(form, "allowed_start"), _text(form, "allowed_end"))
        if (start or end) and (start, end) != allowed:
            fields["period"] = {"start": start, "end": end}
    return _convert(fields, DecisionIn)


@functools.cache
def _timing(policy_file: str) -> Timing:
    return timing(load_policy(policy_file or None))


def _timing_of(request: Request) -> Timing:
    return _timing(request.app.state.settings.policy_file or "")


class ReviewUIController(Controller):
    path = "/ui"
    include_in_schema = False
    dependencies = dependencies
    exception_handlers = {
        session.LoginRequired: _login_redirect,
        HTTPException: _error_page,
        ProblemDetailsException: _error_page,
    }

    @get("/ui.css", media_type="text/css", sync_to_thread=False)
    def stylesheet(self) -> Response[str]:
        return Response(
            _stylesheet(), media_type="text/css", headers={"Cache-Control": "max-age=300"}
        )

    @get("/ui.js", media_type="text/javascript", sync_to_thread=False)
    def script(self) -> Response[str]:
        return Response(
            _script(),
            media_type="text/javascript",
            headers={"Cache-Control": "max-age=300", "X-Content-Type-Options": "nosniff"},
        )

    @get("/login", sync_to_thread=False)
    def login_form(
        self, request: Request, next: str | None = None, reason: str | None = None
    ) -> Response[str]:
        notice = (
            "Your session has ended. Sign in again to go back to the page you were on;"
            " what you typed there is kept."
            if reason == "expired"
            else ""
        )
        return render("login.html", request, error="", notice=notice, next=session.safe_next(next))

    @post("/login")
    async def login(self, request: Request) -> Response:
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        token = form.get("token")
        token = token.strip() if isinstance(token, str) else ""
        back = session.safe_next(_text(form, "next"))
        try:
            if not token:
                raise InvalidToken("paste your bearer token")
            session.staff_principal(request, token)
        except InvalidToken as exc:
            return render(
                "login.html",
                request,
                status_code=401,
                error=f"Sign-in refused: {session.explain(exc)}",
                notice="",
                next=back,
            )
        # A fresh CSRF token for the new session (a pre-login token must not carry over).
        return Redirect(
            back,
            status_code=HTTP_303_SEE_OTHER,
            cookies=[
                session.session_cookie(request, token),
                session.csrf_cookie(request, session.new_csrf_token()),
            ],
        )

    @post("/logout")
    async def logout(self, request: Request) -> Response:
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        return Redirect(
            "/ui/login",
            status_code=HTTP_303_SEE_OTHER,
            cookies=[
                session.expired(request, session.SESSION_COOKIE),
                session.expired(request, session.CSRF_COOKIE),
            ],
        )

    @get("/")
    async def queue(
        self,
        request: Request,
        review_service: ReviewService,
        status: str | None = None,
        process_type: str | None = None,
        emergency: str | None = None,
        overdue: str | None = None,
        q: str | None = None,
        mine: str | None = None,
        cursor: str | None = None,
    ) -> Response:
        principal = session.session_principal(request)
        search = (q or "").strip()[:200]
        if search and is_request_id(search) and await review_service.exists(search):
            return Redirect(f"/ui/requests/{search}", status_code=HTTP_303_SEE_OTHER)
        page = await review_service.queue(
            status=_option(status, Status, "status"),
            process_type=_option(process_type, ProcessType, "process_type"),
            emergency=_tristate(emergency, "emergency"),
            overdue=_tristate(overdue, "overdue"),
            search=search or None,
            assignee=principal.subject if mine == "true" else None,
            cursor=cursor or None,
            limit=QUEUE_PAGE,
        )
        filters = {
            "status": status or "",
            "process_type": process_type or "",
            "emergency": emergency or "",
            "overdue": overdue or "",
            "q": search,
            "mine": "true" if mine == "true" else "",
        }
        now = dt.datetime.now(dt.UTC)
        records = {r.id: r for r in page.records}
        rows = [
            (
                item,
                urgency(
                    records[item.id].process,
                    _timing_of(request),
                    now,
                    escalated=item.escalated,
                    overdue=item.overdue,
                ),
            )
            for item in page.items
        ]
        return render(
            "queue.html",
            request,
            principal=principal,
            rows=rows,
            assignees=page.assignees,
            counts=await review_service.open_counts(),
            next_query=urlencode({**{k: v for k, v in filters.items() if v}, "cursor": c})
            if (c := page.next_cursor)
            else "",
            first_page=not cursor,
            first_query=urlencode({k: v for k, v in filters.items() if v}),
            may_search_targets=principal.has(Role.LEGAL),
            identifier_kinds=[k.value for k in IdentifierKind],
            filters=filters,
            statuses=[s.value for s in Status],
            process_types=[t.value for t in ProcessType],
        )

    @post("/search/target")
    async def target_search(self, request: Request, review_service: ReviewService) -> Response:
        """Legal's search by target: a POST, so the identifier never appears in a URL."""
        principal = session.session_principal(request)
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        try:
            items = await review_service.target_search(
                principal, _text(form, "target_kind"), _text(form, "target")
            )
        except Problem as exc:
            if exc.status_code == 403:
                raise PermissionDeniedException(exc.detail) from exc
            return _refused(request, exc, "/ui/")
        return render(
            "target_search.html",
            request,
            principal=principal,
            items=items,
            kind=_text(form, "target_kind"),
        )

    @get("/requests/{request_id:str}")
    async def detail(
        self,
        request: Request,
        case_access: CaseAccess,
        intake_service: IntakeService,
        review_service: ReviewService,
        request_id: str,
    ) -> Response[str]:
        principal = session.session_principal(request)
        record = await case_access.own_request(principal, _request_id(request_id))
        state = await intake_service.live_state(request_id)
        view = to_view(record, state, staff=not principal.is_agency)
        determination = determination_of(record, state)
        trail = await review_service.audit_trail(request_id)
        approvals = state.approvals if state else []
        agency = await intake_service.register.agencies.get(record.agency_id)
        production = (
            await _production_manifest(intake_service, record.production_key)
            if record.production_key
            else None
        )
        return render(
            "request.html",
            request,
            principal=principal,
            csp=REQUEST_PAGE_CSP,
            view=view,
            process=record.process,
            determination=determination,
            targets=determination.targets if determination else [],
            approvals=approvals,
            approved_categories=state.approved_categories if state else [],
            already_approved=principal.subject in approvals,
            timeline=timeline(trail),
            deliveries=[e for e in timeline(trail) if _is_delivery(e.action)],
            production=production,
            urgency=urgency(
                record.process,
                _timing_of(request),
                dt.datetime.now(dt.UTC),
                escalated=view.escalated,
                overdue=view.overdue,
            ),
            callback_number=agency.callback_number if agency else "",
            assignee=await review_service.assignee_of(request_id),
            may_decide=session.may_decide(principal),
            is_open=view.status in OPEN_STATUSES,
            verifying=view.status is Status.VERIFYING,
            in_review=view.status is Status.IN_REVIEW,
            needs_callback=callback_outstanding(record.process)
            and not any(e.action == "callback_recorded" for e in trail),
            needs_check=bool(unverified_facts(record.process.requester))
            and not any(e.action.startswith("requester_") for e in trail),
            unverified=unverified_facts(record.process.requester),
            reason_codes=[r.value for r in RejectionReason],
            all_categories=[c.value for c in DataCategory],
            answer_due_after_return=_answer_due_after_return(record.process, _timing_of(request)),
        )

    @get("/requests/{request_id:str}/document")
    async def document(
        self,
        request: Request,
        case_access: CaseAccess,
        intake_service: IntakeService,
        review_service: ReviewService,
        request_id: str,
        download: bool = False,
    ) -> Response[bytes]:
        """The submitted PDF, from S3 through the app (no external viewer), inline for the
        request page's frame or as a download; each opening is audited."""
        principal = session.session_principal(request)
        record = await case_access.own_request(principal, _request_id(request_id))
        settings = intake_service.settings
        try:
            obj = await asyncio.to_thread(
                intake_service.s3.get_object,
                Bucket=settings.documents_bucket,
                Key=record.document_key,
            )
            content = await asyncio.to_thread(obj["Body"].read)
        except ClientError as exc:
            raise Problem(404, "not-found", "Not found", "the document is not stored") from exc
        await review_service.record_staff_action(
            request_id,
            principal,
            "document_downloaded" if download else "document_viewed",
            {
                "by": principal.subject,
                "roles": ",".join(sorted(r.value for r in principal.roles)),
                "sha256": record.document_sha256,
                "bytes": len(content),
            },
        )
        disposition = "attachment" if download else "inline"
        return Response(
            content,
            media_type="application/pdf",
            headers={
                "Content-Security-Policy": DOCUMENT_CSP,
                "Content-Disposition": f'{disposition}; filename="{request_id}.pdf"',
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
            },
        )

    @post("/requests/{request_id:str}/decisions")
    async def decide(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        review_service: ReviewService,
        request_id: str,
    ) -> Response:
        principal, form, back = await self._acting(request, request_id)
        try:
            data = _decision_from_form(form)
            decision = review_decision(principal, data)
            receipt = await workflow_updates.send(
                principal, request_id, LegalProcessWorkflow.decide, decision
            )
            await review_service.record_decision(request_id, principal, data, receipt)
        except Problem as exc:
            return _refused(request, exc, back)
        label = DECISION_LABELS.get(data.action, data.action.value)
        text = f"Decision recorded: {label}. Status now {receipt.status.value}"
        if (
            receipt.approvals_required > len(receipt.approvals)
            and data.action is DecisionAction.APPROVE
        ):
            text += f" ({len(receipt.approvals)} of {receipt.approvals_required} approvals)"
        return _done(request, back, text + ".")

    @post("/requests/{request_id:str}/verification")
    async def verification(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        review_service: ReviewService,
        request_id: str,
    ) -> Response:
        principal, form, back = await self._acting(request, request_id)
        try:
            verdict = _text(form, "verified")
            if verdict not in {"true", "false"}:
                raise Problem(
                    422,
                    "invalid-field",
                    "A field is invalid",
                    "verified: choose verify or refuse",
                    field="verified",
                )
            data = _convert(
                {"verified": verdict == "true", "note": _text(form, "note")}, VerificationIn
            )
            receipt = await review_service.verify(workflow_updates, principal, request_id, data)
        except Problem as exc:
            return _refused(request, exc, back)
        word = "verified" if data.verified else "refused"
        return _done(request, back, f"Requester {word}. Status now {receipt.status.value}.")

    @post("/requests/{request_id:str}/callback")
    async def callback(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        review_service: ReviewService,
        request_id: str,
    ) -> Response:
        principal, form, back = await self._acting(request, request_id)
        try:
            data = _convert(
                {"number_called": _text(form, "number_called"), "note": _text(form, "note")},
                CallbackIn,
            )
            receipt = await review_service.callback(workflow_updates, principal, request_id, data)
        except Problem as exc:
            return _refused(request, exc, back)
        return _done(
            request,
            back,
            f"Call-back to {data.number_called} recorded. Status now {receipt.status.value}.",
        )

    @post("/requests/{request_id:str}/assignment")
    async def assignment(
        self,
        request: Request,
        case_access: CaseAccess,
        review_service: ReviewService,
        request_id: str,
    ) -> Response:
        principal, form, back = await self._acting(request, request_id)
        await case_access.own_request(principal, request_id)
        try:
            data = _convert({"assignee": _text(form, "assignee")}, AssignmentIn)
            made = await review_service.assign(principal, request_id, data)
        except Problem as exc:
            return _refused(request, exc, back)
        return _done(request, back, f"Assigned to {made.assignee}.")

    async def _acting(self, request: Request, request_id: str) -> tuple[Principal, Any, str]:
        """The signed-in decider, the form (its CSRF token checked) and the page to return to."""
        principal = session.session_principal(request)
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        if not session.may_decide(principal):
            raise PermissionDeniedException("deciding needs the reviewer or legal role")
        return principal, form, f"/ui/requests/{_request_id(request_id)}"


def _refused(request: Request, exc: Problem, back: str) -> Response:
    """A refusal (the validator's 409, a field's 422) comes back on the page, in words."""
    if exc.status_code == 404:
        raise exc
    flash = session.flash_cookie(request, "error", f"Not recorded: {exc.detail}")
    return Redirect(back, status_code=HTTP_303_SEE_OTHER, cookies=[flash])


def _done(request: Request, back: str, text: str) -> Response:
    return Redirect(
        back, status_code=HTTP_303_SEE_OTHER, cookies=[session.flash_cookie(request, "ok", text)]
    )


# The audit actions that say how far delivery got, channel by channel.
DELIVERY_EVENTS = ("production_", "officer_notified", "webhook_", "customer_notified")


def _is_delivery(action: str) -> bool:
    return action.startswith(DELIVERY_EVENTS)


async def _production_manifest(intake_service: IntakeService, key: str) -> dict | None:
    """The production's manifest as stored (categories, files, record counts), or None.
    ``key`` is the archive's; the manifest sits beside it (``services/delivery/package.py``)."""
    manifest_key = key.rsplit("/", 1)[0] + "/manifest.json"
    try:
        obj = await asyncio.to_thread(
            intake_service.s3.get_object,
            Bucket=intake_service.settings.productions_bucket,
            Key=manifest_key,
        )
        raw = await asyncio.to_thread(obj["Body"].read)
        manifest = json.loads(raw)
    except (ClientError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _answer_due_after_return(process: Any, timing_: Timing) -> str:
    """The warning for the ask form: an answer the agency may take the full clarification
    window for would come after the return date."""
    if process.return_date is None:
        return ""
    due = dt.datetime.now(dt.UTC) + dt.timedelta(days=timing_.clarification_timeout_days)
    if due.date() <= process.return_date:
        return ""
    return (
        f"The agency has {timing_.clarification_timeout_days} days to answer (until"
        f" {due.date()}), after the return date {process.return_date}: the answer may come"
        " too late to respond in time."
    )


async def read_form_fields(request: Request) -> Any:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        raise PermissionDeniedException("submit the page's form")
    return await read_form(request)


def _format_time(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return value.isoformat()


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _time_left(value: dt.datetime) -> str:
    return remaining_text(value - dt.datetime.now(dt.UTC))


TEMPLATES.filters["when"] = _format_time
TEMPLATES.filters["time_left"] = _time_left
TEMPLATES.filters["iso"] = _iso
