"""An API process that dies between recording a request and starting its workflow loses
nothing: the agency's retry (same Idempotency-Key), or the next worker start, starts it
exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from temporalio.service import RPCError

from services.intake.legal_processes import services as intake_services
from services.workflows.legal_process.starter import resume_orphaned_intakes
from tests.support import submission, submit, wait_for_status

pytestmark = pytest.mark.slow


class ProcessDied(BaseException):
    """Stands for the process being killed: no except-Exception handler runs."""


def _die(*args, **kwargs):
    raise ProcessDied()


def _order(lake) -> dict:
    return submission(
        process_type="court_order_2703d",
        categories=["detail_records"],
        date_range={"start": lake.period_start, "end": lake.period_end},
        issued_on=lake.issued_on,
        return_date=None,
    )


async def test_retry_with_the_same_key_starts_the_orphaned_request(
    api, agency, worker, lake, register, monkeypatch
):
    body = _order(lake)
    monkeypatch.setattr(intake_services, "ensure_started", _die)
    with pytest.raises(ProcessDied):
        await submit(api, agency["headers"], body, extra_headers={"Idempotency-Key": "crash-1"})
    monkeypatch.undo()
    [orphan] = await register.legal_processes.list(agency_id=agency["id"])
    assert orphan.status == "received"

    retried = await submit(
        api, agency["headers"], body, extra_headers={"Idempotency-Key": "crash-1"}
    )
    assert retried.status_code == 200 and retried.json()["id"] == orphan.id
    state = await wait_for_status(api, agency["headers"], orphan.id, {"in_review"})
    assert state["determination"]["allowed_categories"] == ["detail_records"]
    assert len(await register.legal_processes.list(agency_id=agency["id"])) == 1


async def test_worker_start_resumes_requests_left_unstarted(
    api, agency, worker, lake, register, temporal_env, service_settings, monkeypatch
):
    monkeypatch.setattr(intake_services, "ensure_started", _die)
    with pytest.raises(ProcessDied):
        await submit(api, agency["headers"], _order(lake))
    monkeypatch.undo()
    [orphan] = await register.legal_processes.list(agency_id=agency["id"])

    # Young requests are left alone: their intake may still be starting them.
    await resume_orphaned_intakes(
        temporal_env.client, register, service_settings.task_queue, older_than=dt.timedelta(hours=1)
    )
    with pytest.raises(RPCError):
        await temporal_env.client.get_workflow_handle(orphan.id).describe()
    resumed = await resume_orphaned_intakes(
        temporal_env.client, register, service_settings.task_queue, older_than=dt.timedelta(0)
    )
    assert resumed >= 1
    await wait_for_status(api, agency["headers"], orphan.id, {"in_review"})
    # A second pass finds it started and starts nothing again.
    again = await resume_orphaned_intakes(
        temporal_env.client, register, service_settings.task_queue, older_than=dt.timedelta(0)
    )
    assert again == 0
