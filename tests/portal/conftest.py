"""The agency portal's tests: the app over real HTTP (for the browser) and the real worker
and lake of the end-to-end suite."""

from __future__ import annotations

import pytest

from services.stack.servers import free_port
from tests.e2e.conftest import lake, worker  # noqa: F401  (fixtures shared with the e2e suite)
from tests.ui.browser import QuietServer


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
async def served(service_settings, register, temporal_env, s3):
    """The app over real HTTP on a free port; yields its base URL."""
    from services.intake.app import create_app

    app = create_app(service_settings, register=register, temporal=temporal_env.client, s3=s3)
    async with QuietServer(app, free_port()) as url:
        yield url
