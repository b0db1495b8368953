"""RetentionWorkflow on the time-skipping test server, with its real activities against
SeaweedFS and a register of its own (SQLite and PostgreSQL): an aged request purged
everywhere, a hold keeping everything, a locked production skipped and purged on a later
run once its lock ended. Every run's history is replayed against the current code."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import uuid
from pathlib import Path

import msgspec
import pytest
import sqlalchemy as sa
from temporalio.worker import Replayer, Worker

from contracts.retention import HoldScope, RetentionReport, RetentionRun
from services.platform.temporal import data_converter
from services.register import retention as register
from services.register.audit import AuditLog
from services.register.tables import (
    audit_events,
    audit_seals,
    disclosures,
    documents,
    legal_processes,
    process_targets,
)
from services.retention.objects import version_locked
from services.workflows.retention.activities import RetentionActivities
from services.workflows.retention.workflows import RetentionWorkflow
from tests.retention.factory import YEAR, add_request, row_exists, versions

HISTORIES = Path(__file__).parent / "histories"


@pytest.fixture(scope="module")
async def temporal_env(base_settings, temporal_test_server_path):
    from tests.conftest import start_test_server

    env = await start_test_server(base_settings, temporal_test_server_path)
    yield env
    await env.shutdown()


@pytest.fixture
def retention_settings(base_settings, own_register_url, locked_productions_bucket):
    return msgspec.structs.replace(
        base_settings, database_url=own_register_url, productions_bucket=locked_productions_bucket
    )


@pytest.fixture
async def purge(request, temporal_env, task_queue, retention_settings, engine, s3):
    """Run one purge to completion and return its report; replay every run afterwards
    (WRIT_RECORD_HISTORIES=1 also keeps them under histories/ for test_retention_replay)."""
    activities = RetentionActivities(retention_settings, engine, s3)
    started: list[str] = []
    async with Worker(
        temporal_env.client,
        task_queue=task_queue,
        workflows=[RetentionWorkflow],
        activities=activities.all(),
    ):

        async def run() -> RetentionReport:
            workflow_id = f"writ-retention-test-{uuid.uuid4()}"
            started.append(workflow_id)
            # The wall clock, not the test server's: it skips ahead whenever nothing runs,
            # while S3 and the rows' dates live in real time.
            return await temporal_env.client.execute_workflow(
                RetentionWorkflow.run,
                RetentionRun(now=dt.datetime.now(dt.UTC)),
                id=workflow_id,
                task_queue=task_queue,
            )

        yield run
    replayer = Replayer(
        workflows=[RetentionWorkflow], data_converter=data_converter(retention_settings)
    )
    for index, workflow_id in enumerate(started):
        history = await temporal_env.client.get_workflow_handle(workflow_id).fetch_history()
        await replayer.replay_workflow(history)
        if os.environ.get("WRIT_RECORD_HISTORIES"):
            HISTORIES.mkdir(exist_ok=True)
            name = re.sub(r"[^a-z0-9_]+", "_", request.node.name.lower()).strip("_")
            (HISTORIES / f"{name}_{index}.json").write_text(history.to_json())


async def on_register(engine, request_id: str) -> dict[str, bool]:
    return {
        "case_record": await row_exists(engine, legal_processes, "id", request_id),
        "targets": await row_exists(engine, process_targets, "request_id", request_id),
        "disclosures": await row_exists(engine, disclosures, "request_id", request_id),
        "document_row": await row_exists(engine, documents, "id", request_id),
    }


def in_s3(s3, settings, aged) -> dict[str, int]:
    return {
        "document": len(versions(s3, settings.documents_bucket, aged.document_key)),
        "collection": len(
            versions(s3, settings.documents_bucket, f"collections/{aged.request_id}/")
        ),
        "production": len(
            versions(s3, settings.productions_bucket, f"productions/{aged.request_id}/")
        ),
    }


async def audit_actions(engine) -> list[tuple[str | None, str, dict]]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(audit_events).order_by(audit_events.c.seq))
        return [(r.request_id, r.action, r.detail) for r in rows]


async def test_an_aged_request_is_purged_everywhere(purge, engine, s3, retention_settings):
    aged = await add_request(engine, s3, retention_settings)
    recent = await add_request(engine, s3, retention_settings, closed_ago=dt.timedelta(days=30))
    still_open = await add_request(engine, s3, retention_settings, closed_ago=None)

    report = await purge()

    assert {c: ids for c, ids in report.purged.items() if aged.request_id in ids}.keys() == {
        "collections",
        "documents",
        "productions",
        "disclosure_log",
        "case_records",
    }
    assert report.locked == [] and report.held == []
    assert report.objects_deleted == 4  # document, working copy, two production files
    assert in_s3(s3, retention_settings, aged) == {"document": 0, "collection": 0, "production": 0}
    assert not any((await on_register(engine, aged.request_id)).values())
    # Nothing of the recent or the open request is touched.
    for kept in (recent, still_open):
        assert all(v > 0 for v in in_s3(s3, retention_settings, kept).values()), kept.request_id
        assert (await on_register(engine, kept.request_id))["case_record"]

    # The chain records the purge (classes and counts, no personal data), its aged start is
    # sealed (the purged request's trail), and it still verifies from the seal on.
    actions = await audit_actions(engine)
    purged_event = next(
        d for r, a, d in actions if a == "retention_purged" and r == aged.request_id
    )
    assert purged_event["objects_deleted"] == 4 and purged_event["disclosures_deleted"] == 1
    run_event = next(d for _, a, d in actions if a == "retention_run")
    assert run_event["run_id"] == report.run_id
    assert aged.request_id in run_event["purged"]["case_records"]
    assert aged.account_id not in str(actions)
    assert report.audit_events_sealed == 3  # received, disclosed, closed of the aged request
    assert not any(r == aged.request_id and a == "received" for r, a, _ in actions)
    assert await AuditLog(engine).verify() == len(actions)

    # A second run finds nothing more to do for it.
    again = await purge()
    assert all(aged.request_id not in ids for ids in again.purged.values())


async def test_a_hold_keeps_everything_until_it_is_lifted(purge, engine, s3, retention_settings):
    aged = await add_request(engine, s3, retention_settings)
    hold = await register.place_hold(
        engine,
        scope=HoldScope.CASE_NUMBER,
        value=aged.case_number,
        reason="State v. Roe: appeal pending",
        actor="counsel@writ.example",
    )

    report = await purge()

    assert report.held == [aged.request_id]
    assert report.purged == {}
    assert in_s3(s3, retention_settings, aged) == {"document": 1, "collection": 1, "production": 2}
    assert all((await on_register(engine, aged.request_id)).values())
    async with engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(audit_seals)) == 0

    await register.lift_hold(
        engine, hold["id"], actor="counsel@writ.example", reason="appeal decided"
    )
    report = await purge()
    assert aged.request_id in report.purged["case_records"]
    assert not (await on_register(engine, aged.request_id))["case_record"]


async def test_a_locked_production_is_skipped_then_purged_after_its_lock(
    purge, engine, s3, retention_settings
):
    locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    aged = await add_request(engine, s3, retention_settings, production_locked_until=locked_until)

    first = await purge()

    # Everything else is purged; the production is skipped, not an error, and the case
    # record that names it stays until it is gone.
    assert first.locked == [aged.request_id]
    assert first.versions_locked == 2
    assert {c for c, ids in first.purged.items() if aged.request_id in ids} == {
        "collections",
        "documents",
        "disclosure_log",
    }
    assert in_s3(s3, retention_settings, aged) == {"document": 0, "collection": 0, "production": 2}
    assert (await on_register(engine, aged.request_id))["case_record"]

    # Wait for S3's lock to end (S3's clock, not the workflow's).
    while any(
        version_locked(
            s3,
            retention_settings.productions_bucket,
            v["Key"],
            v["VersionId"],
            dt.datetime.now(dt.UTC),
        )
        for v in versions(
            s3, retention_settings.productions_bucket, f"productions/{aged.request_id}/"
        )
    ):
        await asyncio.sleep(0.5)

    second = await purge()
    assert second.locked == []
    assert {c for c, ids in second.purged.items() if aged.request_id in ids} == {
        "productions",
        "case_records",
    }
    assert in_s3(s3, retention_settings, aged)["production"] == 0
    assert not (await on_register(engine, aged.request_id))["case_record"]
    assert await AuditLog(engine).verify() > 0


async def test_a_shared_document_stays_while_another_request_needs_it(
    purge, engine, s3, retention_settings
):
    aged = await add_request(engine, s3, retention_settings)
    other = await add_request(engine, s3, retention_settings, closed_ago=YEAR // 2)
    async with engine.begin() as conn:
        await conn.execute(
            legal_processes.update()
            .where(legal_processes.c.id == other.request_id)
            .values(document_key=aged.document_key)
        )

    await purge()

    assert not (await on_register(engine, aged.request_id))["case_record"]
    assert len(versions(s3, retention_settings.documents_bucket, aged.document_key)) == 1
