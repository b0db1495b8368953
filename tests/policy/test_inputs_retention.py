"""The recorded determination inputs go with the case record when retention purges it."""

from __future__ import annotations

import datetime as dt

from contracts.retention import RetentionClass
from services.decisions.policy import Policy
from services.register import determination_inputs, retention
from services.register.legal_processes import LegalProcesses
from tests.retention.factory import add_request, row_exists


async def test_the_inputs_are_purged_with_the_case_record(own_register, s3, base_settings):
    engine = own_register.engine
    aged = await add_request(engine, s3, base_settings)
    record = await LegalProcesses(engine).get(aged.request_id)
    await determination_inputs.record(
        engine, record.process, Policy(), dt.datetime.now(dt.UTC), None
    )
    table = determination_inputs.determination_inputs
    assert await row_exists(engine, table, "request_id", aged.request_id)
    purged = await retention.record_request_purge(
        engine,
        aged.request_id,
        [RetentionClass.DISCLOSURE_LOG, RetentionClass.CASE_RECORDS],
        document_key=None,
        objects_deleted=0,
        now=dt.datetime.now(dt.UTC),
    )
    assert RetentionClass.CASE_RECORDS in purged
    assert not await row_exists(engine, table, "request_id", aged.request_id)
