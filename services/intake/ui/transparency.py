"""The transparency report in the review UI (docs/transparency.md): a period's figures and
charts, the published snapshot beside a fresh computation, and the publish action for legal.

Same rules as the rest of the UI: server-rendered, no JavaScript, the strict CSP (the SVG
charts carry no inline style: ``services/reporting/charts.py``), CSRF on the form."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import jinja2
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from contracts.enums import Role
from services.intake.auth.tokens import Principal
from services.intake.transparency.controllers import (
    now,
    period_param,
    publish_period,
    transparency_reports,
)
from services.intake.ui import session
from services.intake.ui.controllers import (
    HTML,
    SECURITY_HEADERS,
    _error_page,
    _login_redirect,
    read_form_fields,
)
from services.reporting import reports
from services.reporting.html_report import STYLESHEET, TEMPLATE_DIR, body_context

TEMPLATES = jinja2.Environment(
    loader=jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
            jinja2.FileSystemLoader(TEMPLATE_DIR),
        ]
    ),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
READERS = (Role.AUDITOR, Role.LEGAL, Role.ADMIN)
PUBLISHERS = (Role.LEGAL, Role.ADMIN)


def reader(request: Request) -> Principal:
    principal = session.session_principal(request)
    if not principal.has(*READERS):
        raise PermissionDeniedException("the transparency report is for auditors, legal and admin")
    return principal


def page(request: Request, principal: Principal, **context: Any) -> Response[str]:
    token, new_cookie = session.csrf_token(request)
    cookies = [new_cookie] if new_cookie is not None else []
    flash = session.read_flash(request)
    if flash is not None:
        cookies.append(session.expired(request, session.FLASH_COOKIE))
    html = TEMPLATES.get_template("transparency.html").render(
        principal=principal,
        csrf_token=token,
        csrf_field=session.CSRF_FIELD,
        flash=flash,
        **context,
    )
    return Response(html, media_type=HTML, cookies=cookies, headers=SECURITY_HEADERS)


class TransparencyUIController(Controller):
    path = "/ui/transparency"
    include_in_schema = False
    dependencies = transparency_reports
    exception_handlers = {
        session.LoginRequired: _login_redirect,
        HTTPException: _error_page,
        ProblemDetailsException: _error_page,
    }

    @get("/report.css", media_type="text/css", sync_to_thread=False)
    def stylesheet(self) -> Response[str]:
        return Response(STYLESHEET, media_type="text/css", headers={"Cache-Control": "max-age=300"})

    @get("/")
    async def latest(self, request: Request) -> Redirect:
        reader(request)
        return Redirect(f"/ui/transparency/{now().year - 1}", status_code=HTTP_303_SEE_OTHER)

    @get("/{period:str}")
    async def show(
        self, request: Request, period: str, report_service: reports.TransparencyReports
    ) -> Response[str]:
        principal = reader(request)
        report_period = period_param(period)
        moment = now()
        publication = await report_service.publication(report_period)
        live = await report_service.compute(report_period, moment)
        if publication is not None:
            shown = await report_service.snapshot_report(publication)
            comparison = await report_service.compare_live(report_period, moment)
            differences = comparison.differences
        else:
            shown, differences = live, []
        return page(
            request,
            principal,
            period=report_period,
            may_publish=principal.has(*PUBLISHERS),
            period_ended=report_period.ended(moment),
            differences=differences,
            **await asyncio.to_thread(body_context, shown, publication),  # charts: CPU work
        )

    @post("/{period:str}/publish")
    async def publish(
        self, request: Request, period: str, report_service: reports.TransparencyReports
    ) -> Response:
        principal = reader(request)
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        if not principal.has(*PUBLISHERS):
            raise PermissionDeniedException("only legal or admin may publish")
        report_period = period_param(period)
        back = f"/ui/transparency/{report_period.label}"
        try:
            publication = await publish_period(principal.subject, report_period, report_service)
        except ProblemDetailsException as exc:
            flash = session.flash_cookie(request, "error", f"Not published: {exc.detail}")
            return Redirect(back, status_code=HTTP_303_SEE_OTHER, cookies=[flash])
        text = (
            f"Published {publication.period}: the JSON, CSV and HTML are frozen "
            f"(JSON SHA-256 {publication.json_sha256[:16]}…)."
        )
        return Redirect(
            back,
            status_code=HTTP_303_SEE_OTHER,
            cookies=[session.flash_cookie(request, "ok", text)],
        )
