"""Histories of RetentionWorkflow recorded from earlier versions still replay against the
current code (record them with WRIT_RECORD_HISTORIES=1 pytest tests/retention)."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from services.platform.settings import Settings
from services.platform.temporal import data_converter
from services.workflows.retention.workflows import RetentionWorkflow
from tests.conftest import TEST_PAYLOAD_KEY

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflows=[RetentionWorkflow],
        data_converter=data_converter(Settings(payload_key=TEST_PAYLOAD_KEY)),
    )
    await replayer.replay_workflow(history)


def test_histories_are_recorded():
    assert len(HISTORIES) >= 3, "record them with WRIT_RECORD_HISTORIES=1 pytest tests/retention"
