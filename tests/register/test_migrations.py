"""Migrations upgrade and downgrade cleanly on SQLite and PostgreSQL, and the schema they
build is exactly the one ``services/register/tables.py`` declares."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

# Billing and the transparency report keep their tables beside their code; importing them
# puts those tables on ``metadata``.
from services.register import (  # noqa: F401
    billing,
    determination_inputs,
    policy_simulations,
    review_assignments,
    transparency,
)
from services.register.migrations import downgrade_url, upgrade_url
from services.register.tables import metadata


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database(request, tmp_path):
    """A database of the test's own: downgrading the shared register would break others."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    admin_url = os.environ.get("WRIT_TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("WRIT_TEST_POSTGRES_URL not set")
    import asyncpg

    name = f"writ_migrations_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = admin_url.rsplit("/", 1)[0].split("://", 1)[1]
    yield f"postgresql+asyncpg://{base}/{name}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def _schema_drift(url: str) -> list:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
            return set(names) - {"alembic_version"}
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade(empty_database):
    await asyncio.to_thread(upgrade_url, empty_database)
    assert await _tables(empty_database) == set(metadata.tables)
    assert await _schema_drift(empty_database) == [], "migrations and tables.py disagree"

    await asyncio.to_thread(downgrade_url, empty_database)
    assert await _tables(empty_database) == set(), "downgrade to base leaves tables behind"

    await asyncio.to_thread(upgrade_url, empty_database)
    assert await _tables(empty_database) == set(metadata.tables)


async def test_the_schema_check_can_fail(tmp_path):
    """A column declared in tables.py but missing from the migrations is reported."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'drift.db'}"
    await asyncio.to_thread(upgrade_url, url)
    declared = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(declared)
    sa.Table("legal_processes", declared, sa.Column("not_migrated", sa.Text), extend_existing=True)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            drift = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), declared)
            )
    finally:
        await engine.dispose()
    assert [d[0] for d in drift] == ["add_column"]
