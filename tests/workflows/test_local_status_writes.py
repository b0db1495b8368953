"""Issue 12: ``record_status`` runs as a local activity, behind a patch.

New workflows record each status write as a local-activity marker (no activity task, no
workflow task after it); workflows started before the patch keep scheduling it on the task
queue when they replay (the recorded histories under histories/ are from before it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from contracts.enums import Outcome, Status
from services.workflows.legal_process.workflows import LOCAL_STATUS_WRITES
from tests.factories import received_process
from tests.workflows.support import start

HISTORIES = Path(__file__).parent / "histories"
LOCAL_ACTIVITY_MARKER = "core_local_activity"
PATCH_MARKER = "core_patch"


def _scheduled(history) -> list[str]:
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]


def _markers(history, name: str) -> list:
    return [
        e.marker_recorded_event_attributes
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and e.marker_recorded_event_attributes.marker_name == name
    ]


def _patched(history) -> bool:
    return any(
        LOCAL_STATUS_WRITES.encode() in m.details["patch-data"].payloads[0].data
        for m in _markers(history, PATCH_MARKER)
    )


async def test_new_workflows_write_their_statuses_as_local_activities(
    temporal_env, task_queue, carrier
):
    process = received_process(await temporal_env.get_current_time())
    handle = await start(temporal_env.client, task_queue, process)
    state = await handle.result()
    assert state.status is Status.CLOSED and state.outcome is Outcome.PRODUCED

    history = await handle.fetch_history()
    assert _patched(history)
    assert "record_status" not in _scheduled(history)
    # Every status the register was sent is one local-activity marker.
    assert len(_markers(history, LOCAL_ACTIVITY_MARKER)) == len(carrier.statuses) >= 6
    assert carrier.status_names()[0] == "received" and carrier.status_names()[-1] == "closed"


@pytest.mark.parametrize(
    "path",
    sorted(HISTORIES.glob("*.json")),
    ids=lambda p: p.stem[:60],
)
def test_histories_from_before_the_patch_keep_their_activity_tasks(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    if _patched(history):
        # Recorded after the patch: its status writes are local-activity markers.
        assert "record_status" not in _scheduled(history)
        assert _markers(history, LOCAL_ACTIVITY_MARKER)
    else:
        assert "record_status" in _scheduled(history)
        assert not _markers(history, LOCAL_ACTIVITY_MARKER)
    # test_replay.py replays each of them against the current code.


def test_both_kinds_of_history_are_recorded():
    kinds = {
        _patched(WorkflowHistory.from_json(p.stem, p.read_text())) for p in HISTORIES.glob("*.json")
    }
    assert kinds == {True, False}, "record one with WRIT_RECORD_HISTORIES=1 pytest tests/workflows"
