"""Retention tests get registers of their own: a purge or a seal reaches across the whole
register, which must not touch the rows other tests share."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from services.register.engine import create_engine


@pytest.fixture(params=["sqlite", "postgres"])
async def own_register_url(request, tmp_path):
    """A freshly migrated register for this test alone: SQLite, or a throwaway PostgreSQL
    database (when ``WRIT_TEST_POSTGRES_URL`` is set)."""
    from services.register.migrations import upgrade_url

    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'register.db'}"
        await asyncio.to_thread(upgrade_url, url)
        yield url
        return
    admin_url = os.environ.get("WRIT_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("WRIT_TEST_POSTGRES_URL not set")
    import asyncpg

    name = f"writ_retention_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = admin_url.rsplit("/", 1)[0].split("://", 1)[1]
    url = f"postgresql+asyncpg://{base}/{name}"
    await asyncio.to_thread(upgrade_url, url)
    yield url
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture
async def engine(own_register_url):
    engine = create_engine(own_register_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def locked_productions_bucket(s3) -> str:
    """A productions bucket with object lock but no default retention: each test object
    gets its own (short) COMPLIANCE retention, so a lock can end within a test."""
    from botocore.exceptions import ClientError

    bucket = "writ-test-retention-productions"
    try:
        s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
            raise
    return bucket
