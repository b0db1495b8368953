"""Several API and worker processes in one ``writ up`` (docs/scaling.md): the API's
processes share its port, each worker process polls the task queue, and a killed extra
worker is restarted under its own name like the first."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.stack.test_writ_up_smoke import AGENCY_ID, SUBMISSION
from tests.stack.writ_up_process import (
    RunningStack,
    alive,
    kill_leftovers,
    minimal_pdf,
    register_agency,
    stop_process,
)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


def _serving_processes(api_pid: int) -> list[int]:
    """uvicorn's worker processes under the API child (multiprocessing's spawn)."""
    serving = []
    for pid in _children(api_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            serving.append(pid)
    return serving


def _environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


@pytest.mark.slow
def test_writ_up_runs_several_api_and_worker_processes(
    tmp_path: Path, stack_ports: dict[str, int]
) -> None:
    data_dir = tmp_path / "writ-data"
    stack = RunningStack(
        data_dir, stack_ports, tmp_path / "writ-up.out", "--api-workers", "2", "--workers", "2"
    )
    try:
        stack.wait_ready()
        children = stack.child_pids()
        assert set(children) == {"temporal", "seaweedfs", "mailsink", "worker", "worker-2", "api"}
        assert "worker-2: polling task queue" in stack.output
        assert len(_serving_processes(children["api"])) == 2, "two API processes, one port"
        # One periodic audit anchoring loop per stack: the first worker's.
        first, second = _environment(children["worker"]), _environment(children["worker-2"])
        assert first["WRIT_AUDIT_CHECKPOINT_EVERY_MINUTES"] != "0"
        assert second["WRIT_AUDIT_CHECKPOINT_EVERY_MINUTES"] == "0"

        agency = register_agency(
            stack.api, data_dir, stack_ports["--api-port"], AGENCY_ID, admin="scale-admin"
        )
        # Fresh connections each time, so both API processes take some of them.
        ids = []
        for i in range(6):
            submitted = httpx.post(
                f"{stack.api}/v1/legal-processes",
                headers={"Authorization": f"Bearer {agency}"},
                files={
                    "metadata": (
                        None,
                        json.dumps(SUBMISSION | {"case_number": f"2026-CR-9{i}"}).encode(),
                        "application/json",
                    ),
                    "document": ("subpoena.pdf", minimal_pdf(), "application/pdf"),
                },
                timeout=60,
            )
            assert submitted.status_code == 201, submitted.text
            assert submitted.json()["status"] == "received"
            ids.append(submitted.json()["id"])
        for request_id in ids:
            fetched = httpx.get(
                f"{stack.api}/v1/legal-processes/{request_id}",
                headers={"Authorization": f"Bearer {agency}"},
                timeout=30,
            )
            assert fetched.status_code == 200, fetched.text

        os.kill(children["worker-2"], signal.SIGKILL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            now = stack.child_pids() if (data_dir / "stack.json").exists() else children
            if now["worker-2"] != children["worker-2"] and alive(now["worker-2"]):
                break
            assert stack.proc.poll() is None, f"writ up stopped:\n{stack.output}"
            time.sleep(0.5)
        else:
            pytest.fail(f"worker-2 was not restarted:\n{stack.output}")
        assert "worker-2 exited unexpectedly with code -9" in stack.output
        assert now["worker"] == children["worker"], "the first worker was left alone"

        processes = [*now.values(), *_serving_processes(now["api"])]
        assert stack.interrupt(timeout=90) == 0, stack.output
        survivors = [pid for pid in processes if alive(pid)]
        assert not survivors, f"processes outlived writ up: {survivors}"
    finally:
        stop_process(stack.proc)
        kill_leftovers(data_dir)
