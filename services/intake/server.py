"""``writ api``: serve the intake API with uvicorn."""

from __future__ import annotations

import uvicorn

from services.intake.app import create_app
from services.platform.logging import configure_logging
from services.platform.settings import get_settings
from services.platform.tracing import configure_tracing


def serve() -> None:
    settings = get_settings()
    configure_logging()
    configure_tracing("writ-api")
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,  # structlog owns the format (and redaction) of every line
        access_log=True,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
