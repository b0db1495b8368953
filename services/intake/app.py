"""``create_app()``: the one place that wires the intake API together."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import structlog
from litestar import Litestar
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin
from litestar.types import ASGIApp, Receive, Scope, Send
from temporalio.client import Client

from services.intake.agencies.controllers import AgencyController
from services.intake.apidocs import docs_asset, render_plugins
from services.intake.auth.middleware import PUBLIC_PATHS, BearerTokenMiddleware
from services.intake.billing.controllers import BillingController  # billing hook
from services.intake.health.controllers import healthz, metrics, readyz
from services.intake.legal_holds.controllers import LegalHoldController
from services.intake.legal_processes.controllers import LegalProcessController
from services.intake.legal_processes.services import IntakeService
from services.intake.number_lookups.controllers import NumberLookupController  # issue 11
from services.intake.openapi import document_operations
from services.intake.policy.controllers import PolicySimulationController  # issue 11
from services.intake.portal.controllers import PortalController
from services.intake.problems import http_exception_handler, internal_error_handler
from services.intake.ratelimits import AgencyRateLimits
from services.intake.review.controllers import ReviewController
from services.intake.transparency.controllers import TransparencyReportController  # §10
from services.intake.ui.agencies import AgencyUIController
from services.intake.ui.billing_controllers import BillingUIController  # billing hook
from services.intake.ui.controllers import ReviewUIController
from services.intake.ui.transparency import TransparencyUIController  # §10
from services.intake.wellknown import jwks
from services.platform.objectstore import s3_client
from services.platform.settings import Settings, get_settings
from services.platform.temporal import connect
from services.platform.tracing import litestar_plugins
from services.register.case_register import Register

API_DESCRIPTION = """Writ takes legal process in from agencies, routes it through legal review,
and delivers exactly the scoped production. Agencies authenticate with a bearer JWT scoped to
their agency; staff tokens carry roles (reviewer, legal, billing, auditor, admin). Every error
is an RFC 9457 problem document naming the offending `field`."""


def request_context_middleware(app: ASGIApp) -> ASGIApp:
    """Bind a request id (the caller's X-Request-Id, or a new one) to every log line."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode()[:64] or uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, method=scope["method"], path=scope["path"]
        )

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        await app(scope, receive, send_with_id)

    return middleware


def create_app(
    settings: Settings | None = None,
    *,
    register: Register | None = None,
    temporal: Client | None = None,
    s3: Any = None,
) -> Litestar:
    """Build the app. Resources not passed in are created at startup from ``settings``
    (tests pass their own, so everything shares the test's event loop)."""
    settings = settings or get_settings()
    state = State({"settings": settings, "rate_limits": AgencyRateLimits(settings)})
    if register is not None and temporal is not None and s3 is not None:
        state.intake = IntakeService(settings, register, s3, temporal)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if "intake" in app.state:
            yield
            return
        own_register = register is None
        reg = register or Register.connect(settings.database_url_async)
        client = temporal or await connect(settings)
        app.state.intake = IntakeService(settings, reg, s3 or s3_client(settings), client)
        try:
            yield
        finally:
            if own_register:
                await reg.close()

    app = Litestar(
        route_handlers=[
            healthz,
            readyz,
            metrics,
            docs_asset,
            jwks,
            LegalProcessController,
            ReviewController,
            AgencyController,
            ReviewUIController,
            LegalHoldController,  # retention hook: /v1/legal-holds
            TransparencyReportController,  # transparency report API and UI page (§10)
            TransparencyUIController,
            BillingController,  # billing hook (docs/billing.md)
            BillingUIController,  # billing hook: billing pages of the review UI
            PolicySimulationController,  # issue 11: /v1/policy/simulations (docs/policy.md)
            NumberLookupController,  # issue 11: /v1/number-lookups
            PortalController,  # the agency portal under /portal/ (issue 15)
            AgencyUIController,  # the agency registry in the review UI, for admins (issue 15)
        ],
        lifespan=[lifespan],
        state=state,
        middleware=[
            request_context_middleware,
            DefineMiddleware(BearerTokenMiddleware, exclude=PUBLIC_PATHS),
        ],
        plugins=[
            ProblemDetailsPlugin(ProblemDetailsConfig(enable_for_all_http_exceptions=False)),
            *litestar_plugins(),
        ],
        exception_handlers={
            HTTPException: http_exception_handler,
            Exception: internal_error_handler,
        },
        request_max_body_size=settings.max_document_bytes + 1024 * 1024,
        # Litestar's default logging config would replace the root handler at start-up
        # with a plain-text one: services/platform/logging.py owns every line (JSON, redacted).
        logging_config=None,
        openapi_config=OpenAPIConfig(
            title="Writ legal-process API",
            version="1.0.0",
            description=API_DESCRIPTION,
            path="/schema",
            render_plugins=render_plugins(),
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
            security=[{"bearer": []}],
        ),
    )
    document_operations(app)  # roles, errors, examples, webhooks (services/intake/openapi.py)
    return app
