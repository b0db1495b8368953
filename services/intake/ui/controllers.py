"""The review UI (docs/architecture.md §4): the queue, one request with its determination and
audit trail, and decision forms. Server-rendered, no JavaScript; it calls the same services
as the staff API (the queue, ``review_decision``, ``WorkflowUpdates``), so the workflow's
rules apply unchanged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from contracts.api import DecisionIn
from contracts.enums import DecisionAction, ProcessType, RejectionReason, Status
from contracts.legal_process import is_request_id
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
from services.workflows.legal_process.workflows import LegalProcessWorkflow

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
QUEUE_LIMIT = 200
HTML = "text/html; charset=utf-8"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
DECISION_LABELS = {
    DecisionAction.APPROVE: "approved",
    DecisionAction.REJECT: "rejected",
    DecisionAction.ASK_AGENCY: "question sent to the agency",
    DecisionAction.ESCALATE_TO_LEGAL: "escalated to legal",
}


def render(
    template: str,
    request: Request,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
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
        principal=principal, csrf_token=token, csrf_field=session.CSRF_FIELD, flash=flash, **context
    )
    return Response(
        html,
        status_code=status_code,
        media_type=HTML,
        cookies=out_cookies,
        headers=SECURITY_HEADERS,
    )


def _login_redirect(request: Request, _: Exception) -> Response:
    return Redirect(
        "/ui/login",
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


def _decision_from_form(form: Any) -> DecisionIn:
    fields: dict[str, Any] = {"action": form.get("action") or ""}
    for name in ("reason_code", "note", "question"):
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            fields[name] = value.strip()
    try:
        return msgspec.convert(fields, DecisionIn)
    except msgspec.ValidationError as exc:
        field, message = msgspec_field(exc, root="form")
        raise Problem(
            422, "invalid-field", "A field is invalid", f"{field}: {message}", field=field
        ) from exc


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

    @get("/login", sync_to_thread=False)
    def login_form(self, request: Request) -> Response[str]:
        return render("login.html", request, error="")

    @post("/login")
    async def login(self, request: Request) -> Response:
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        token = form.get("token")
        token = token.strip() if isinstance(token, str) else ""
        try:
            if not token:
                raise InvalidToken("paste your bearer token")
            session.staff_principal(request, token)
        except InvalidToken as exc:
            return render("login.html", request, status_code=401, error=f"Sign-in refused: {exc}")
        # A fresh CSRF token for the new session (a pre-login token must not carry over).
        return Redirect(
            "/ui/",
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
    ) -> Response[str]:
        principal = session.session_principal(request)
        items = await review_service.queue(
            status=_option(status, Status, "status"),
            process_type=_option(process_type, ProcessType, "process_type"),
            emergency=_tristate(emergency, "emergency"),
            overdue=_tristate(overdue, "overdue"),
            limit=QUEUE_LIMIT,
        )
        return render(
            "queue.html",
            request,
            principal=principal,
            items=items,
            filters={
                "status": status or "",
                "process_type": process_type or "",
                "emergency": emergency or "",
                "overdue": overdue or "",
            },
            statuses=[s.value for s in Status],
            process_types=[t.value for t in ProcessType],
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
        return render(
            "request.html",
            request,
            principal=principal,
            view=view,
            targets=determination.targets if determination else [],
            approvals=state.approvals if state else [],
            trail=trail,
            may_decide=session.may_decide(principal),
            is_open=view.status in OPEN_STATUSES,
            reason_codes=[r.value for r in RejectionReason],
        )

    @post("/requests/{request_id:str}/decisions")
    async def decide(
        self, request: Request, workflow_updates: WorkflowUpdates, request_id: str
    ) -> Response:
        principal = session.session_principal(request)
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        if not session.may_decide(principal):
            raise PermissionDeniedException("deciding needs the reviewer or legal role")
        request_id = _request_id(request_id)
        back = f"/ui/requests/{request_id}"
        try:
            data = _decision_from_form(form)
            receipt = await workflow_updates.send(
                principal, request_id, LegalProcessWorkflow.decide, review_decision(principal, data)
            )
        except Problem as exc:
            if exc.status_code == 404:
                raise
            flash = session.flash_cookie(request, "error", f"Not recorded: {exc.detail}")
            return Redirect(back, status_code=HTTP_303_SEE_OTHER, cookies=[flash])
        text = (
            f"Decision recorded: {DECISION_LABELS[data.action]}. Status now {receipt.status.value}"
        )
        if (
            receipt.approvals_required > len(receipt.approvals)
            and data.action is DecisionAction.APPROVE
        ):
            text += f" ({len(receipt.approvals)} of {receipt.approvals_required} approvals)"
        return Redirect(
            back,
            status_code=HTTP_303_SEE_OTHER,
            cookies=[session.flash_cookie(request, "ok", text + ".")],
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
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


TEMPLATES.filters["when"] = _format_time
