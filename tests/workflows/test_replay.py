"""Histories recorded from earlier versions still replay against the current code."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from services.platform.settings import Settings
from services.platform.temporal import data_converter
from services.workflows.legal_process.workflows import LegalProcessWorkflow
from tests.conftest import TEST_PAYLOAD_KEY

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflows=[LegalProcessWorkflow],
        data_converter=data_converter(Settings(payload_key=TEST_PAYLOAD_KEY)),
    )
    await replayer.replay_workflow(history)


def test_histories_are_recorded():
    assert len(HISTORIES) >= 8, "record them with WRIT_RECORD_HISTORIES=1 pytest tests/workflows"
