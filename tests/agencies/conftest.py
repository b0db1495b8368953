"""The agency-side tests: the registry through the API, and the agency client and portal
against the app served over real HTTP with the real worker and lake of the e2e suite."""

from __future__ import annotations

import pytest

from services.stack.servers import free_port
from tests.e2e.conftest import lake, worker  # noqa: F401  (fixtures shared with the e2e suite)
from tests.ui.browser import QuietServer


@pytest.fixture
async def served(service_settings, register, temporal_env, s3):
    """The app over real HTTP on a free port; yields its base URL."""
    from services.intake.app import create_app

    app = create_app(service_settings, register=register, temporal=temporal_env.client, s3=s3)
    async with QuietServer(app, free_port()) as url:
        yield url
