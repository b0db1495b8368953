"""A register of the module's own, for tests that run ``writ worker`` as a process.

At start the worker resumes every request left ``received`` in its register for more
than a minute (services/workflows/legal_process/starter.py). In the session's shared
register those are the API tests' requests, which have no workflow on the module's own
Temporal dev server, so the worker would start and run hundreds of them, bills and mail
included, beside the one request the test follows. Import all three fixtures into the
module: ``from tests.e2e.own_register import own_register, own_register_url, own_settings``
(they stand in for ``register``, ``register_url`` and ``settings``).
"""

from __future__ import annotations

import pytest

from services.platform.settings import Settings
from tests.conftest import MigratedRegisters, register_backends


@pytest.fixture(scope="module", params=register_backends(), name="register_url")
async def own_register_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
):
    registers = MigratedRegisters(tmp_path_factory)
    yield await registers.url(request.param)
    await registers.close()


@pytest.fixture(scope="module", name="register")
async def own_register(register_url: str):
    from services.register.case_register import Register

    opened = Register.connect(register_url)
    yield opened
    await opened.close()


@pytest.fixture(scope="module", name="settings")
def own_settings(base_settings: Settings, mailbox, register_url: str) -> Settings:
    import msgspec

    return msgspec.structs.replace(base_settings, database_url=register_url, smtp_port=mailbox.port)
