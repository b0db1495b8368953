"""The agency portal (docs/agencies.md, "The portal"): officers sign in with their agency
token, submit process through a form that mirrors the contract, follow their agency's
requests, answer a question, withdraw, extend a preservation, and download the production
with its signature checked. Server-rendered, no JavaScript, the review UI's CSP and its
double-submit CSRF check (``services/intake/ui/session.py``); cookies scoped to /portal.

It calls the services the agency API calls (``IntakeService.submit``, ``WorkflowUpdates``,
``ProductionDownloads``), so every rule, limit and audit event applies unchanged; a staff
token never signs in, and an agency sees only its own requests (``CaseAccess``)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import jinja2
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, UploadFile
from litestar.exceptions import HTTPException
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.response import Redirect, Stream
from litestar.status_codes import HTTP_303_SEE_OTHER

from contracts.enums import Role, Status
from contracts.legal_process import is_request_id
from contracts.submission import LegalProcessSubmission
from contracts.workflow import AgencyResponse, ExtensionRequest, Withdrawal
from services.delivery.signing import published_keys
from services.delivery.verification import verify_package
from services.intake.auth.tokens import InvalidToken, Principal, verify_token
from services.intake.deps import dependencies
from services.intake.legal_processes.access import CaseAccess
from services.intake.legal_processes.production import ProductionDownloads
from services.intake.legal_processes.services import IntakeService
from services.intake.legal_processes.updates import WorkflowUpdates
from services.intake.portal import forms
from services.intake.problems import Problem, decode_json
from services.intake.ratelimits import DOWNLOADS, SUBMISSIONS
from services.intake.ui import session
from services.intake.ui.controllers import SECURITY_HEADERS, read_form_fields
from services.workflows.legal_process.workflows import LegalProcessWorkflow

PORTAL_PATH = "/portal"
SESSION_COOKIE = "writ_portal_session"
HTML = "text/html; charset=utf-8"
LIST_LIMIT = 100
NOTICES = {
    "submitted": "Received. The request is below; its status changes as it is handled.",
    "answered": "Your answer was sent to the reviewer.",
    "withdrawn": "The request is withdrawn.",
    "extended": "The preservation is extended by 90 days.",
}
OPEN = {
    Status.RECEIVED,
    Status.VERIFYING,
    Status.IN_REVIEW,
    Status.AWAITING_AGENCY,
    Status.APPROVED,
}
PRESERVING = {Status.PRESERVED}
FINISHED = {
    Status.CLOSED,
    Status.REJECTED,
    Status.REDIRECTED,
    Status.WITHDRAWN,
    Status.RELEASED,
}

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def _when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


TEMPLATES.filters["when"] = _when


# -- the session: the review UI's helpers, with cookies scoped to the portal --------------


def _cookie(request: Request, key: str, value: str, *, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        path=PORTAL_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=max_age,
    )


def agency_principal(request: Request, token: str) -> Principal:
    """The token's principal, if it is an agency's (and nothing else): staff never sign in."""
    principal = verify_token(request.app.state.settings, token)
    if principal.roles != {Role.AGENCY} or not principal.agency_id:
        raise InvalidToken("only agency tokens sign in to the portal; staff use /ui/")
    return principal


def portal_principal(request: Request) -> Principal:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        raise session.LoginRequired
    try:
        return agency_principal(request, token)
    except InvalidToken as exc:
        raise session.LoginRequired from exc


def render(
    template: str,
    request: Request,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
    **context: Any,
) -> Response[str]:
    current = request.cookies.get(session.CSRF_COOKIE, "")
    out_cookies = list(cookies or [])
    token = current
    if len(current) < 32:
        token = session.new_csrf_token()
        out_cookies.append(_cookie(request, session.CSRF_COOKIE, token))
    html = TEMPLATES.get_template(template).render(
        principal=principal, csrf_token=token, csrf_field=session.CSRF_FIELD, **context
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
        f"{PORTAL_PATH}/login",
        status_code=HTTP_303_SEE_OTHER,
        cookies=[_cookie(request, SESSION_COOKIE, "", max_age=0)],
    )


def _error_page(request: Request, exc: HTTPException) -> Response:
    try:
        principal = portal_principal(request)
    except session.LoginRequired:
        principal = None
    return render(
        "error.html",
        request,
        principal=principal,
        status_code=exc.status_code,
        error=exc.detail or "the request could not be completed",
    )


def _request_id(request_id: str) -> str:
    if not is_request_id(request_id):
        raise Problem(404, "not-found", "Not found", "no such legal process")
    return request_id


def _back(request_id: str, notice: str) -> Redirect:
    return Redirect(
        f"{PORTAL_PATH}/requests/{request_id}?notice={notice}", status_code=HTTP_303_SEE_OTHER
    )


class PortalController(Controller):
    path = PORTAL_PATH
    include_in_schema = False
    dependencies = dependencies
    exception_handlers = {
        session.LoginRequired: _login_redirect,
        HTTPException: _error_page,
        ProblemDetailsException: _error_page,
    }

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
                raise InvalidToken("paste your agency token")
            agency_principal(request, token)
        except InvalidToken as exc:
            return render("login.html", request, status_code=401, error=f"Sign-in refused: {exc}")
        return Redirect(
            f"{PORTAL_PATH}/",
            status_code=HTTP_303_SEE_OTHER,
            cookies=[
                _cookie(request, SESSION_COOKIE, token),
                _cookie(request, session.CSRF_COOKIE, session.new_csrf_token()),
            ],
        )

    @post("/logout")
    async def logout(self, request: Request) -> Response:
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        return Redirect(
            f"{PORTAL_PATH}/login",
            status_code=HTTP_303_SEE_OTHER,
            cookies=[
                _cookie(request, SESSION_COOKIE, "", max_age=0),
                _cookie(request, session.CSRF_COOKIE, "", max_age=0),
            ],
        )

    @get("/")
    async def requests(self, request: Request, intake_service: IntakeService) -> Response[str]:
        principal = portal_principal(request)
        page = await intake_service.page_of_own(principal, None, None, LIST_LIMIT)
        # The register's rows carry no deadlines or questions: a request still in hand is
        # read with its workflow's live view, as the request page reads it.
        live = await asyncio.gather(
            *(intake_service.view(item.id) for item in page.items if item.status not in FINISHED)
        )
        by_id = {view.id: view for view in live}
        items = [by_id.get(item.id, item) for item in page.items]
        return render("requests.html", request, principal=principal, items=items)

    @get("/new")
    async def new(self, request: Request) -> Response[str]:
        principal = portal_principal(request)
        return self._form(request, principal, {}, {})

    def _form(
        self,
        request: Request,
        principal: Principal,
        values: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Response[str]:
        return render(
            "new.html",
            request,
            principal=principal,
            values=values,
            errors=errors,
            status_code=status_code,
            process_types=forms.PROCESS_TYPES,
            issuer_kinds=forms.ISSUER_KINDS,
            identifier_kinds=forms.IDENTIFIER_KINDS,
            categories=forms.CATEGORIES,
            target_rows=range(forms.TARGET_ROWS),
        )

    @post("/requests")
    async def submit(self, request: Request, intake_service: IntakeService) -> Response:
        principal = portal_principal(request)
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        request.app.state.rate_limits.check(SUBMISSIONS, principal.agency_id)
        values = forms.form_values(form)
        try:
            submission = decode_json(
                msgspec.json.encode(forms.submission_from_form(form)),
                LegalProcessSubmission,
                part="form",
            )
            upload = form.get("document")
            document = await upload.read() if isinstance(upload, UploadFile) else b""
            if not document:
                raise Problem(
                    422,
                    "invalid-field",
                    "A field is invalid",
                    "attach the signed process as a PDF",
                    field="document",
                )
            view, _ = await intake_service.submit(
                principal, submission, document, None, dt.datetime.now(dt.UTC)
            )
        except Problem as exc:
            if exc.status_code not in (413, 415, 422):
                raise
            field = (exc.extra or {}).get("field") or "form"
            errors = {field: str(exc.detail)}
            return self._form(request, principal, values, errors, status_code=exc.status_code)
        return _back(view.id, "submitted")

    @get("/requests/{request_id:str}")
    async def detail(
        self,
        request: Request,
        case_access: CaseAccess,
        intake_service: IntakeService,
        request_id: str,
        notice: str = "",
    ) -> Response[str]:
        principal = portal_principal(request)
        await case_access.own_request(principal, _request_id(request_id))
        view = await intake_service.view(request_id)
        return render(
            "request.html",
            request,
            principal=principal,
            view=view,
            notice=NOTICES.get(notice, ""),
            error="",
            may_withdraw=view.status in OPEN,
            may_answer=view.status is Status.AWAITING_AGENCY,
            may_extend=view.status in PRESERVING,
        )

    async def _update(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        intake_service: IntakeService,
        request_id: str,
        make: Any,
        update: Any,
        notice: str,
    ) -> Response:
        principal = portal_principal(request)
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        request_id = _request_id(request_id)
        try:
            await workflow_updates.send(principal, request_id, update, make(principal, form))
        except Problem as exc:
            if exc.status_code == 404:
                raise
            view = await intake_service.view(request_id)
            return render(
                "request.html",
                request,
                principal=principal,
                view=view,
                notice="",
                error=f"Not done: {exc.detail}",
                status_code=exc.status_code,
                may_withdraw=view.status in OPEN,
                may_answer=view.status is Status.AWAITING_AGENCY,
                may_extend=view.status in PRESERVING,
            )
        return _back(request_id, notice)

    @post("/requests/{request_id:str}/responses")
    async def respond(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        intake_service: IntakeService,
        request_id: str,
    ) -> Response:
        def answer(principal: Principal, form: Any) -> AgencyResponse:
            text = form.get("text")
            text = text.strip() if isinstance(text, str) else ""
            if not text:
                raise Problem(
                    422, "invalid-field", "A field is invalid", "write your answer", field="text"
                )
            return AgencyResponse(responder=principal.subject, text=text[:10000])

        return await self._update(
            request,
            workflow_updates,
            intake_service,
            request_id,
            answer,
            LegalProcessWorkflow.respond,
            "answered",
        )

    @post("/requests/{request_id:str}/withdraw")
    async def withdraw(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        intake_service: IntakeService,
        request_id: str,
    ) -> Response:
        def withdrawal(principal: Principal, form: Any) -> Withdrawal:
            reason = form.get("reason")
            reason = reason.strip() if isinstance(reason, str) else ""
            return Withdrawal(requested_by=principal.subject, reason=reason[:2000])

        return await self._update(
            request,
            workflow_updates,
            intake_service,
            request_id,
            withdrawal,
            LegalProcessWorkflow.withdraw,
            "withdrawn",
        )

    @post("/requests/{request_id:str}/extensions")
    async def extend(
        self,
        request: Request,
        workflow_updates: WorkflowUpdates,
        intake_service: IntakeService,
        request_id: str,
    ) -> Response:
        return await self._update(
            request,
            workflow_updates,
            intake_service,
            request_id,
            lambda principal, form: ExtensionRequest(requested_by=principal.subject),
            LegalProcessWorkflow.extend,
            "extended",
        )

    @get("/requests/{request_id:str}/production")
    async def production(
        self, request: Request, production_downloads: ProductionDownloads, request_id: str
    ) -> Stream:
        principal = portal_principal(request)
        request.app.state.rate_limits.check(DOWNLOADS, principal.agency_id)
        download = await production_downloads.open(principal, _request_id(request_id))
        return Stream(download.chunks, media_type=download.media_type, headers=download.headers)

    @get("/requests/{request_id:str}/verification")
    async def verification(
        self, request: Request, production_downloads: ProductionDownloads, request_id: str
    ) -> Response[str]:
        """The package checked as ``writ verify-production`` checks it: every file against
        the manifest, the manifest's signature against the published keys. Reading it for
        the check is recorded as a download, like any other read of the production."""
        principal = portal_principal(request)
        request.app.state.rate_limits.check(DOWNLOADS, principal.agency_id)
        download = await production_downloads.open(principal, _request_id(request_id))
        archive = b"".join([chunk async for chunk in download.chunks])
        keys = published_keys(request.app.state.settings)
        result = await asyncio.to_thread(verify_package, archive, keys)
        return render(
            "verification.html",
            request,
            principal=principal,
            request_id=request_id,
            result=result,
        )
