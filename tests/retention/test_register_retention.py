"""The register's purge writes: idempotent, and a case record never goes before the
disclosure log rows that refer to it (47 CFR §64.2009(c) may keep them longer)."""

from __future__ import annotations

import datetime as dt

from contracts.retention import RetentionClass
from services.register import retention as register
from services.register.tables import disclosures, legal_processes, retention_purges
from tests.retention.factory import add_request, row_exists

NOW = dt.datetime.now(dt.UTC)


async def test_a_case_record_is_kept_while_its_disclosures_remain(engine, s3, base_settings):
    aged = await add_request(engine, s3, base_settings, production_locked_until=None)
    recorded = await register.record_request_purge(
        engine,
        aged.request_id,
        [RetentionClass.COLLECTIONS, RetentionClass.CASE_RECORDS],
        document_key=None,
        objects_deleted=1,
        now=NOW,
    )
    assert recorded == [RetentionClass.COLLECTIONS]
    assert await row_exists(engine, legal_processes, "id", aged.request_id)
    assert await row_exists(engine, disclosures, "request_id", aged.request_id)


async def test_recording_a_purge_twice_records_it_once(engine, s3, base_settings):
    aged = await add_request(engine, s3, base_settings)
    for _ in range(2):
        await register.record_request_purge(
            engine,
            aged.request_id,
            [RetentionClass.COLLECTIONS],
            document_key=None,
            objects_deleted=1,
            now=NOW,
        )
    facts = {f.request_id: f for f in await register.closed_request_facts(engine, NOW)}
    assert facts[aged.request_id].purged == frozenset({RetentionClass.COLLECTIONS})
    assert await row_exists(engine, retention_purges, "request_id", aged.request_id)
    assert facts[aged.request_id].account_ids == (aged.account_id,)
    assert facts[aged.request_id].has_disclosures
