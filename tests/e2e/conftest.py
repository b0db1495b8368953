"""A running service: the real worker (workflow + activities) on the test's task queue."""

from __future__ import annotations

import concurrent.futures

import pytest

from services.workflows.worker import build_worker


@pytest.fixture
async def worker(temporal_env, service_settings, register):
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(temporal_env.client, service_settings, register, executor=executor):
            yield
