"""Liveness, readiness (database, S3, Temporal) and Prometheus-style metrics."""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from services.intake.deps import dependencies
from services.intake.legal_processes.services import IntakeService
from services.intake.problems import MEDIA_TYPE, PROBLEM_BASE
from services.platform.objectstore import check_reachable

CHECK_TIMEOUT = 3.0


@get("/healthz", tags=["health"], security=[{}], summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _check(name: str, probe) -> tuple[str, str | None]:
    try:
        await asyncio.wait_for(probe(), timeout=CHECK_TIMEOUT)
        return name, None
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", named below
        return name, f"{type(exc).__name__}: {exc}"[:300]


@get(
    "/readyz",
    tags=["health"],
    security=[{}],
    summary="Database, S3 and Temporal all reachable",
    dependencies=dependencies,
)
async def readyz(intake_service: IntakeService) -> Response[dict]:
    intake = intake_service

    async def temporal() -> None:
        await intake.temporal.service_client.check_health()

    results = await asyncio.gather(
        _check("database", intake.register.ping),
        _check("s3", lambda: asyncio.to_thread(check_reachable, intake.settings, intake.s3)),
        _check("temporal", temporal),
    )
    checks = {name: (error or "ok") for name, error in results}
    failing = [name for name, error in results if error]
    if not failing:
        return Response({"status": "ready", "checks": checks}, status_code=HTTP_200_OK)
    return Response(
        {
            "type": PROBLEM_BASE + "not-ready",
            "title": "Not ready",
            "status": 503,
            "detail": "not reachable: " + ", ".join(failing),
            "checks": checks,
        },
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        media_type=MEDIA_TYPE,
    )


@get(
    "/metrics",
    tags=["health"],
    security=[{}],
    summary="Prometheus metrics",
    media_type="text/plain; version=0.0.4",
    dependencies=dependencies,
)
async def metrics(intake_service: IntakeService) -> str:
    """Gauges from the case register; no identifiers, only counts."""
    counts = await intake_service.register.legal_processes.count_by_status()
    lines = [
        "# HELP writ_legal_processes Legal processes by status, type and overdue flag.",
        "# TYPE writ_legal_processes gauge",
    ]
    for (status, process_type, overdue), count in sorted(counts.items()):
        lines.append(
            f'writ_legal_processes{{status="{status}",process_type="{process_type}",'
            f'overdue="{str(overdue).lower()}"}} {count}'
        )
    return "\n".join(lines) + "\n"
