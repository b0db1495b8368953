"""Real infrastructure for the suite: SeaweedFS for S3, the Temporal test server, SQLite
and (when ``WRIT_TEST_POSTGRES_URL`` is set) PostgreSQL. Nothing of our own is faked."""

from __future__ import annotations

import base64
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.platform.objectstore import ensure_buckets, s3_client
from services.platform.settings import Settings
from services.stack.servers import SeaweedS3, free_port

TEST_PAYLOAD_KEY = base64.b64encode(b"writ-test-payload-key-32-bytes!!").decode()
TEST_SIGNING_KEY = base64.b64encode(b"writ-test-production-signing-k!!").decode()


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """One real SeaweedFS S3 gateway for the whole session."""
    server = SeaweedS3(
        tmp_path_factory.mktemp("seaweed"),
        s3_port=free_port(),
        access_key="writ-test",
        secret_key="writ-test-secret",
    )
    server.start()
    try:
        server.wait_ready(timeout=90)
        yield server
    finally:
        # Asked to stop, SeaweedFS takes some 15 s to exit; the session's data is thrown
        # away, so its process group is killed after 3 s.
        server.stop(timeout=3)


@pytest.fixture(scope="session")
def base_settings(seaweed: SeaweedS3, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("writ-data")
    settings = Settings(
        data_dir=str(data_dir),
        s3_endpoint=seaweed.endpoint,
        s3_access_key=seaweed.access_key,
        s3_secret_key=seaweed.secret_key,
        payload_key=TEST_PAYLOAD_KEY,
        production_signing_key=TEST_SIGNING_KEY,
        # One agency submits hundreds of requests a minute across the suite; the limits
        # themselves are tested with their own windows (tests/api/test_rate_limits.py).
        rate_limit_submissions="",
        rate_limit_downloads="",
        documents_bucket="writ-test-documents",
        productions_bucket="writ-test-productions",
        lake_bucket="writ-test-lake",
        production_retention_days=1,
    )
    ensure_buckets(settings, timeout=90)
    return settings


@pytest.fixture(scope="session")
def s3(base_settings: Settings):
    return s3_client(base_settings)


@pytest.fixture(scope="session")
def temporal_test_server_path() -> str:
    path = shutil.which("temporal-test-server") or str(
        Path(os.sys.executable).parent / "temporal-test-server"
    )
    return path


@pytest.fixture
def task_queue() -> str:
    return f"writ-test-{uuid.uuid4()}"


# -- Temporal ------------------------------------------------------------------------------


async def start_test_server(settings: Settings, test_server_path: str):
    """The real time-skipping test server, with our converter and codec and the search
    attributes registered (as ``writ up`` does on the dev server)."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
    from temporalio.testing import WorkflowEnvironment

    from services.platform.temporal import data_converter
    from services.workflows.search_attributes import ALL_KEYS

    kinds = {
        "KEYWORD": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        "BOOL": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
        "DATETIME": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    }
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path,
        data_converter=data_converter(settings),
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace="default",
            search_attributes={
                key.name: kinds[key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_")]
                for key in ALL_KEYS
            },
        )
    )
    return env


@pytest.fixture(scope="session")
async def temporal_env(base_settings: Settings, temporal_test_server_path: str):
    """Shared by the API and end-to-end tests, whose clocks must stay near real time
    (workflow tests skip years ahead, so they get a server of their own)."""
    env = await start_test_server(base_settings, temporal_test_server_path)
    yield env
    await env.shutdown()


# -- the case register ---------------------------------------------------------------------


def register_backends() -> list:
    backends = [pytest.param("sqlite", id="sqlite")]
    backends.append(
        pytest.param(
            "postgres",
            id="postgres",
            marks=pytest.mark.skipif(
                not os.environ.get("WRIT_TEST_POSTGRES_URL"),
                reason="WRIT_TEST_POSTGRES_URL not set",
            ),
        )
    )
    return backends


class MigratedRegisters:
    """Each backend's register, created and migrated the first time a test asks for it and
    kept until the session ends. Tests of one module switch between the backends (and under
    ``pytest -n`` every module does), which without this would drop the register and
    migrate a new one at each switch."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.urls: dict[str, str] = {}
        self.opened: dict[str, object] = {}
        self.databases: list[str] = []

    async def url(self, backend: str) -> str:
        import asyncio

        from services.register.migrations import upgrade_url

        if backend not in self.urls:
            if backend == "sqlite":
                path = self.tmp_path_factory.mktemp("register") / "register.db"
                url = f"sqlite+aiosqlite:///{path}"
            else:
                import asyncpg

                admin_url = os.environ["WRIT_TEST_POSTGRES_URL"]
                name = f"writ_test_{uuid.uuid4().hex[:12]}"
                admin = await asyncpg.connect(admin_url)
                await admin.execute(f'CREATE DATABASE "{name}"')
                await admin.close()
                self.databases.append(name)
                base = admin_url.rsplit("/", 1)[0].split("://", 1)[1]
                url = f"postgresql+asyncpg://{base}/{name}"
            await asyncio.to_thread(upgrade_url, url)
            self.urls[backend] = url
        return self.urls[backend]

    def register(self, url: str):
        from services.register.case_register import Register

        if url not in self.opened:
            self.opened[url] = Register.connect(url)
        return self.opened[url]

    async def close(self) -> None:
        for register in self.opened.values():
            await register.close()
        if self.databases:
            import asyncpg

            admin = await asyncpg.connect(os.environ["WRIT_TEST_POSTGRES_URL"])
            for name in self.databases:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


@pytest.fixture(scope="session")
async def _registers(tmp_path_factory: pytest.TempPathFactory):
    registers = MigratedRegisters(tmp_path_factory)
    yield registers
    await registers.close()


@pytest.fixture(scope="session", params=register_backends())
async def register_url(request: pytest.FixtureRequest, _registers: MigratedRegisters) -> str:
    """A migrated register shared by the session: a SQLite file, or a throwaway PostgreSQL
    database (one per pytest process, so ``pytest -n`` workers never share one)."""
    return await _registers.url(request.param)


@pytest.fixture(scope="session")
def register(register_url: str, _registers: MigratedRegisters):
    return _registers.register(register_url)


# -- mail ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mailbox(tmp_path_factory: pytest.TempPathFactory):
    """A real SMTP sink on a free port, keeping messages on disk."""
    from services.stack.mailsink import MailSink

    directory = tmp_path_factory.mktemp("mail")
    sink = MailSink(directory, port=free_port())
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def settings(base_settings: Settings, mailbox, register_url: str) -> Settings:
    """Settings for a whole service under test: real S3, register and mail sink."""
    import msgspec

    return msgspec.structs.replace(base_settings, database_url=register_url, smtp_port=mailbox.port)


# -- the service under test ------------------------------------------------------------------


@pytest.fixture
def service_settings(settings: Settings, task_queue: str) -> Settings:
    import msgspec

    return msgspec.structs.replace(settings, task_queue=task_queue)


@pytest.fixture
def mint(service_settings: Settings):
    """Mint a bearer token: ``mint("reviewer", sub="alice")`` or ``mint("agency", agency="x")``."""
    from services.intake.auth.tokens import mint_local_token

    def make(
        *roles: str,
        sub: str = "tester",
        agency: str | None = None,
        ttl: int = 600,
        account: str | None = None,  # billing: a customer token's account_id
    ) -> dict[str, str]:
        token = mint_local_token(
            service_settings,
            subject=sub,
            roles=list(roles),
            agency_id=agency,
            ttl_seconds=ttl,
            account_id=account,
        )
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
async def api(service_settings: Settings, register, temporal_env, s3):
    import httpx

    from services.intake.app import create_app

    # In the test's own event loop (Litestar's test client runs the app in another thread's
    # loop, which asyncpg connections and the Temporal client must not cross).
    app = create_app(service_settings, register=register, temporal=temporal_env.client, s3=s3)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://writ.test") as client:
        yield client


@pytest.fixture
async def agency(api, mint) -> dict:
    """A freshly registered agency (unique id), with its officer and a token for it."""
    agency_id = f"pd-{uuid.uuid4().hex[:10]}"
    body = {
        "id": agency_id,
        "name": "Raleigh Police Department",
        "jurisdiction": "US-NC",
        "email_domains": ["raleighpd.gov"],
        "callback_number": "+1 919 555 0199",
        "officers": [{"name": "Jordan Doe", "email": "j.doe@raleighpd.gov", "badge": "4411"}],
    }
    response = await api.post("/v1/agencies", json=body, headers=mint("admin", sub="admin"))
    assert response.status_code == 201, response.text
    return {
        **response.json(),
        "headers": mint("agency", sub="j.doe@raleighpd.gov", agency=agency_id),
    }


# -- under ``pytest -n`` (make test) ---------------------------------------------------------

# The modules sharing the session's one ``writ up`` (tests/stack/conftest.py) run on one
# worker, so the stack is started once.
SHARED_STACK_MODULES = frozenset(
    {
        "tests/stack/test_exposure.py",
        "tests/stack/test_readme_walkthrough.py",
        "tests/stack/test_writ_up_smoke.py",
    }
)

# The longest units first, so none is left running alone at the end (the scheduler hands
# modules out in the order collected). From ``--durations`` on the 2-core CI machine.
LONGEST_FIRST = (
    "tests/stack/test_chaos.py",
    *sorted(SHARED_STACK_MODULES),
    "tests/api/test_fuzz.py",
    "tests/e2e/test_billing_exactly_once.py",
    "tests/e2e/test_worker_crash.py",
    "tests/stack/test_writ_up_scaling.py",
)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadscope``: a module per unit of work, as xdist does, but the modules on
    the shared stack form one unit."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "the shared writ up" if module in SHARED_STACK_MODULES else module

    # Keep the order collected (below) rather than xdist's largest-module-first.
    config.option.loadscopereorder = False
    return ByModule(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, after pytest has grouped the tests by their fixtures: the
    longest modules first (a stable sort, so each module keeps its own order)."""
    if not hasattr(config, "workerinput"):
        return
    rank = {module: i for i, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
