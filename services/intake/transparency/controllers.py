"""``GET /v1/transparency-reports/{period}`` (auditor, legal, admin) and
``POST /v1/transparency-reports/{period}/publish`` (legal, admin).

A published period answers from its frozen snapshot; ``?compare=live`` answers with the
differences between the snapshot and a fresh computation instead."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED

from contracts.enums import Role
from contracts.reporting import LiveComparison, Publication
from services.intake.auth.guards import auditors, principal_of, requires
from services.intake.openapi import documented
from services.intake.problems import Problem, invalid_field
from services.reporting import reports
from services.reporting.html_report import CONTENT_SECURITY_POLICY
from services.reporting.periods import InvalidPeriod, ReportPeriod, parse_period

FORMATS = ("json", "csv", "html")
publishers = requires(Role.LEGAL, Role.ADMIN)
REPORT_RESPONSE = OpenAPIResponse(
    description="The report: the TransparencyReport contract (contracts/schema/reporting.json) "
    "as JSON, one CSV row per cell (period,section,row,column,value,unit), or a self-contained "
    "HTML page; with compare=live, a LiveComparison. X-Writ-Report-Source says snapshot or live.",
    content={
        "application/json": OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT)),
        "text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
        "text/html": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
    },
)


def provide_reports(request: Request) -> reports.TransparencyReports:
    """Built over the app's own register, S3 client and settings (no state of its own)."""
    intake = request.app.state.intake
    return reports.TransparencyReports(intake.settings, intake.register.engine, intake.s3)


transparency_reports = {"report_service": Provide(provide_reports, sync_to_thread=False)}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def period_param(period: str) -> ReportPeriod:
    try:
        return parse_period(period)
    except InvalidPeriod as exc:
        raise invalid_field("period", str(exc), status_code=400) from exc


def document_response(data: bytes, fmt: str, publication: Publication | None) -> Response:
    headers = {
        "X-Writ-Report-Source": "snapshot" if publication else "live",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    if publication is not None:
        headers["X-Writ-Report-Sha256"] = getattr(publication, f"{fmt}_sha256")
    if fmt == "html":
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    if fmt == "csv":
        headers["Content-Disposition"] = "attachment; filename=transparency-report.csv"
    return Response(data, media_type=reports.CONTENT_TYPES[fmt], headers=headers)


class TransparencyReportController(Controller):
    path = "/v1/transparency-reports"
    tags = ["transparency"]
    dependencies = transparency_reports

    @get(
        "/{period:str}",
        guards=[auditors],
        summary="A period's transparency report (JSON, CSV or HTML)",
        description="A calendar year (`2026`) or half-year (`2026-H1`). A published period is "
        "served from its frozen snapshot; `compare=live` returns the differences between the "
        "snapshot and a fresh computation. National-security process appears only in bands.",
        operation_class=documented(responses={"200": REPORT_RESPONSE}),
    )
    async def get_report(
        self,
        period: str,
        report_service: reports.TransparencyReports,
        fmt: Annotated[str, Parameter(query="format", description="json, csv or html")] = "json",
        compare: Annotated[
            str | None, Parameter(description="`live`: differences from the snapshot")
        ] = None,
    ) -> Response:
        report_period = period_param(period)
        if fmt not in FORMATS:
            raise invalid_field("format", "format must be json, csv or html", status_code=400)
        if compare is not None:
            if compare != "live":
                raise invalid_field("compare", "compare must be live", status_code=400)
            if fmt != "json":
                raise invalid_field("format", "compare=live answers in JSON", status_code=400)
            return await self._compare(report_period, report_service)
        data, publication = await report_service.document(report_period, fmt, now())  # type: ignore[arg-type]
        return document_response(data, fmt, publication)

    async def _compare(
        self, period: ReportPeriod, service: reports.TransparencyReports
    ) -> Response[LiveComparison]:
        try:
            comparison = await service.compare_live(period, now())
        except reports.NotPublished as exc:
            raise Problem(
                409,
                "not-published",
                "Not published",
                f"{period.label} has not been published: there is no snapshot to compare",
                field="compare",
            ) from exc
        return Response(comparison, headers={"Cache-Control": "no-store"})

    @post(
        "/{period:str}/publish",
        guards=[publishers],
        status_code=HTTP_201_CREATED,
        summary="Freeze a period's report: JSON, CSV and HTML under object lock (legal, admin)",
        description="Refused (409, field `period`) before the period's last day is over and when "
        "the period is already published.",
        operation_class=documented(),
    )
    async def publish(
        self,
        request: Request[Any, Any, Any],
        period: str,
        report_service: reports.TransparencyReports,
    ) -> Publication:
        return await publish_period(
            principal_of(request).subject, period_param(period), report_service
        )


async def publish_period(
    actor: str, period: ReportPeriod, service: reports.TransparencyReports
) -> Publication:
    """Shared by the API and the review UI's publish button."""
    try:
        return await service.publish(period, actor, now())
    except reports.PeriodNotEnded as exc:
        raise Problem(
            409, "period-not-ended", "The period has not ended", str(exc), field="period"
        ) from exc
    except reports.AlreadyPublished as exc:
        raise Problem(
            409,
            "already-published",
            "Already published",
            f"{period.label} is published and frozen; corrections show under compare=live",
            field="period",
        ) from exc
