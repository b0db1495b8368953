"""``writ api``: serve the intake API with uvicorn, in one process or several behind one
port (``--workers``, ``WRIT_API_WORKERS``; docs/scaling.md)."""

from __future__ import annotations

import os

import uvicorn
from litestar import Litestar

from services.intake.app import create_app
from services.platform.logging import configure_logging
from services.platform.settings import get_settings
from services.platform.tracing import configure_tracing


def app_from_environment() -> Litestar:
    """The app as each of uvicorn's worker processes builds it (its own logging, tracing,
    engine and clients: nothing crosses a process boundary)."""
    configure_logging()
    configure_tracing("writ-api")
    return create_app(get_settings())


def worker_count(requested: int) -> int:
    """``requested`` API processes; 0 (or less): one per CPU core."""
    return requested if requested > 0 else max(1, os.cpu_count() or 1)


def serve(workers: int | None = None) -> None:
    settings = get_settings()
    configure_logging()
    count = worker_count(settings.api_workers if workers is None else workers)
    options = {
        "host": settings.api_host,
        "port": settings.api_port,
        "log_config": None,  # structlog owns the format (and redaction) of every line
        "access_log": True,
        "proxy_headers": True,
        "timeout_graceful_shutdown": 10,
    }
    if count == 1:
        configure_tracing("writ-api")
        uvicorn.run(create_app(settings), **options)
        return
    # Several processes share the listening socket; uvicorn restarts one that dies.
    uvicorn.run(
        "services.intake.server:app_from_environment", factory=True, workers=count, **options
    )
