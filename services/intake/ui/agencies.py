"""The agency registry in the review UI, for admins (docs/agencies.md, "The registry"): the
agencies with their officers, one agency's registration with its change history, and forms
to change it, keep the roster current and rotate the webhook secret. The same
``AgencyService`` as the admin API, so the same checks, history and audit events apply."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from contracts.agencies import AgencyPatch, WebhookSecretRotation
from contracts.api import OfficerIn
from contracts.enums import Role
from services.intake.agencies.services import AgencyService
from services.intake.auth.tokens import Principal
from services.intake.deps import dependencies
from services.intake.problems import Problem, msgspec_field
from services.intake.ui import session
from services.intake.ui.controllers import _error_page, _login_redirect, read_form_fields, render


def _admin(request: Request) -> Principal:
    principal = session.session_principal(request)
    if not principal.has(Role.ADMIN):
        raise PermissionDeniedException("the agency registry needs the admin role")
    return principal


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _convert(fields: dict[str, Any], into: type) -> Any:
    try:
        return msgspec.convert(fields, into)
    except msgspec.ValidationError as exc:
        field, message = msgspec_field(exc, root="form")
        raise Problem(
            422, "invalid-field", "A field is invalid", f"{field}: {message}", field=field
        ) from exc


def patch_from_form(form: Any) -> AgencyPatch:
    """Only the fields filled in change; ``webhook_url`` "none" removes the webhook."""
    fields: dict[str, Any] = {}
    for name in ("name", "jurisdiction", "callback_number"):
        if value := _text(form, name):
            fields[name] = value
    if domains := _text(form, "email_domains"):
        fields["email_domains"] = [d.strip() for d in domains.split(",") if d.strip()]
    if webhook := _text(form, "webhook_url"):
        fields["webhook_url"] = None if webhook.lower() == "none" else webhook
    return _convert(fields, AgencyPatch)


class AgencyUIController(Controller):
    path = "/ui/agencies"
    include_in_schema = False
    dependencies = dependencies
    exception_handlers = {
        session.LoginRequired: _login_redirect,
        HTTPException: _error_page,
        ProblemDetailsException: _error_page,
    }

    @get("/")
    async def agencies(self, request: Request, agency_service: AgencyService) -> Response[str]:
        principal = _admin(request)
        return render(
            "agencies.html", request, principal=principal, agencies=await agency_service.list()
        )

    @get("/{agency_id:str}")
    async def agency(
        self, request: Request, agency_service: AgencyService, agency_id: str
    ) -> Response[str]:
        principal = _admin(request)
        return await self._page(request, principal, agency_service, agency_id)

    async def _page(
        self,
        request: Request,
        principal: Principal,
        agency_service: AgencyService,
        agency_id: str,
        new_secret: Any = None,
    ) -> Response[str]:
        return render(
            "agency.html",
            request,
            principal=principal,
            agency=await agency_service.read(principal, agency_id),
            history=await agency_service.history(agency_id),
            new_secret=new_secret,
        )

    async def _change(self, request: Request, agency_id: str, change: Any, done: str) -> Response:
        principal = _admin(request)
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        back = f"/ui/agencies/{agency_id}"
        try:
            await change(principal, form)
        except Problem as exc:
            if exc.status_code == 404 and "agency" in str(exc.detail):
                raise
            flash = session.flash_cookie(request, "error", f"Not changed: {exc.detail}")
            return Redirect(back, status_code=HTTP_303_SEE_OTHER, cookies=[flash])
        return Redirect(
            back,
            status_code=HTTP_303_SEE_OTHER,
            cookies=[session.flash_cookie(request, "ok", done)],
        )

    @post("/{agency_id:str}/edit")
    async def edit(
        self, request: Request, agency_service: AgencyService, agency_id: str
    ) -> Response:
        async def change(principal: Principal, form: Any) -> None:
            await agency_service.update(principal, agency_id, patch_from_form(form))

        return await self._change(request, agency_id, change, "Registration updated.")

    @post("/{agency_id:str}/officers")
    async def add_officer(
        self, request: Request, agency_service: AgencyService, agency_id: str
    ) -> Response:
        async def change(principal: Principal, form: Any) -> None:
            fields = {n: _text(form, n) for n in ("name", "email", "badge", "phone")}
            officer = _convert({k: v for k, v in fields.items() if v}, OfficerIn)
            await agency_service.add_officer(principal, agency_id, officer)

        return await self._change(request, agency_id, change, "Officer added.")

    @post("/{agency_id:str}/officers/{email:str}/{action:str}")
    async def officer_state(
        self,
        request: Request,
        agency_service: AgencyService,
        agency_id: str,
        email: str,
        action: str,
    ) -> Response:
        if action not in ("deactivate", "reactivate"):
            raise Problem(404, "not-found", "Not found", f"no officer action {action!r}")

        async def change(principal: Principal, form: Any) -> None:
            await agency_service.set_officer_active(
                principal, agency_id, email, active=action == "reactivate"
            )

        return await self._change(request, agency_id, change, f"Officer {action}d.")

    @post("/{agency_id:str}/webhook-secret")
    async def rotate(
        self, request: Request, agency_service: AgencyService, agency_id: str
    ) -> Response:
        """The new secret is shown on this one page (never in a URL or cookie)."""
        principal = _admin(request)
        form = await read_form_fields(request)
        session.check_csrf(request, form)
        hours = _text(form, "overlap_hours") or "24"
        body = _convert(
            {"overlap_hours": int(hours) if hours.isdigit() else hours}, WebhookSecretRotation
        )
        rotated = await agency_service.rotate_webhook_secret(
            principal, agency_id, body, dt.datetime.now(dt.UTC)
        )
        return await self._page(request, principal, agency_service, agency_id, new_secret=rotated)
