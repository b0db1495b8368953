"""A register of the simulator's own (a fresh SQLite file, or a fresh PostgreSQL database
when WRIT_TEST_POSTGRES_URL is set), so "every recorded request" is exactly the requests
these tests recorded, and the carrier tests' planted lake in the session's real SeaweedFS
for the facts the ``assess`` activity reads."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from services.register.case_register import Register
from services.register.migrations import upgrade_url
from tests.carrier.conftest import lake, lake_settings  # noqa: F401  (fixtures)
from tests.policy.recorded import record_requests


def _backends() -> list:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgres",
            id="postgres",
            marks=pytest.mark.skipif(
                not os.environ.get("WRIT_TEST_POSTGRES_URL"),
                reason="WRIT_TEST_POSTGRES_URL not set",
            ),
        ),
    ]


@pytest.fixture(scope="module", params=_backends())
async def own_register(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sim') / 'register.db'}"
        await asyncio.to_thread(upgrade_url, url)
        register = Register.connect(url)
        yield register
        await register.close()
        return

    import asyncpg

    admin_url = os.environ["WRIT_TEST_POSTGRES_URL"]
    name = f"writ_sim_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = admin_url.rsplit("/", 1)[0].split("://", 1)[1]
    url = f"postgresql+asyncpg://{base}/{name}"
    await asyncio.to_thread(upgrade_url, url)
    register = Register.connect(url)
    yield register
    await register.close()
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture(scope="module")
async def recorded(own_register, lake_settings, lake) -> dict[str, str]:  # noqa: F811
    """name -> request id of the requests ``tests/policy/recorded.py`` takes in."""
    return await record_requests(own_register, lake_settings)
