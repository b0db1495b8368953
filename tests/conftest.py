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
        server.stop()


@pytest.fixture(scope="session")
def base_settings(seaweed: SeaweedS3, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("writ-data")
    settings = Settings(
        data_dir=str(data_dir),
        s3_endpoint=seaweed.endpoint,
        s3_access_key=seaweed.access_key,
        s3_secret_key=seaweed.secret_key,
        payload_key=TEST_PAYLOAD_KEY,
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
