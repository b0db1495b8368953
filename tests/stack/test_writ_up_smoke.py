"""The whole stack as an operator runs it: ``writ up``, one submission over HTTP, Ctrl-C,
and the same request still there after ``writ up`` on the same data directory."""

from __future__ import annotations

import json
import os
import signal
import time

import httpx
import pytest

from tests.stack.writ_up_process import SharedStack, alive, minimal_pdf, register_agency

AGENCY_ID = "smoke-pd"


SUBMISSION = {
    "process_type": "subpoena",
    "issuer": {"kind": "local", "name": "Wake County Superior Court", "jurisdiction": "US-NC"},
    "issued_on": "2026-11-01",
    "officer": {"name": "J. Doe", "email": "j.doe@raleighpd.gov"},
    "case_number": "2026-CR-004211",
    "targets": [{"kind": "telephone_number", "value": "(919) 555-0100"}],
    "categories": ["subscriber_info"],
    "date_range": {"start": "2026-09-01", "end": "2026-10-31"},
    "return_date": "2026-12-15",
}


@pytest.mark.slow
def test_writ_up_smoke(shared_stack: SharedStack) -> None:
    """On the session's shared stack: its first start's banner, one submission, Ctrl-C
    (``SharedStack.stop`` checks nothing outlives it), and the request still there after
    ``writ up`` on the same data directory."""
    stack = shared_stack.running()
    data_dir, ports = shared_stack.data_dir, shared_stack.ports
    banner = shared_stack.first_output
    assert f"{stack.api}/schema" in banner
    assert f"http://127.0.0.1:{ports['--temporal-ui-port']}" in banner
    assert f"http://127.0.0.1:{ports['--s3-port']}" in banner
    assert "token --sub" in banner
    # Retention: the schedule is set up once the worker polls (Temporal UI: Schedules).
    assert "retention: schedule writ-retention created" in banner
    key_file = data_dir / "payload.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    payload_key = key_file.read_text()

    # The stack signs and checks tokens with the default local settings.
    agency = register_agency(
        stack.api, data_dir, ports["--api-port"], AGENCY_ID, admin="smoke-admin"
    )

    submitted = httpx.post(
        f"{stack.api}/v1/legal-processes",
        headers={"Authorization": f"Bearer {agency}"},
        files={
            "metadata": (None, json.dumps(SUBMISSION).encode(), "application/json"),
            "document": ("subpoena.pdf", minimal_pdf(), "application/pdf"),
        },
        timeout=60,
    )
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()["id"]

    assert set(stack.child_pids()) == {"temporal", "seaweedfs", "mailsink", "worker", "api"}
    shared_stack.stop()

    restarted = shared_stack.start()
    assert "retention: schedule writ-retention updated" in restarted.output, "never duplicated"
    assert key_file.read_text() == payload_key, "Temporal's history needs the same key"
    fetched = httpx.get(
        f"{restarted.api}/v1/legal-processes/{request_id}",
        headers={"Authorization": f"Bearer {agency}"},
        timeout=30,
    )
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["id"] == request_id


@pytest.mark.slow
def test_a_crashed_api_or_worker_is_restarted(shared_stack: SharedStack) -> None:
    """SIGKILL the worker, then the API, of the shared stack: writ up says so, starts each
    again with backoff, and the stack keeps serving; nothing else is restarted or stopped;
    and Ctrl-C still stops every child, the restarted ones too."""
    stack = shared_stack.running()
    data_dir = shared_stack.data_dir
    for name in ("worker", "api"):
        before = stack.child_pids()
        # This supervisor's restarts of the child so far (none, unless another test of
        # the session killed it too): the backoff doubles with each one.
        earlier = stack.output.count(f"restarting {name} in ")
        os.kill(before[name], signal.SIGKILL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            now = stack.child_pids() if (data_dir / "stack.json").exists() else before
            if now[name] != before[name] and alive(now[name]):
                break
            assert stack.proc.poll() is None, f"writ up stopped:\n{stack.output}"
            time.sleep(0.5)
        else:
            pytest.fail(f"{name} was not restarted:\n{stack.output}")
        assert f"{name} exited unexpectedly with code -9" in stack.output
        assert (
            f"restarting {name} in {2**earlier} s (restart {earlier + 1} of at most 5"
            in stack.output
        )
        others = {k: v for k, v in now.items() if k != name}
        assert others == {k: v for k, v in before.items() if k != name}
    deadline = time.monotonic() + 60
    while httpx.get(f"{stack.api}/readyz", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "the restarted API never turned ready"
        time.sleep(0.5)
    shared_stack.stop()


def test_restart_budget_backs_off_and_runs_out() -> None:
    from services.stack.stack import RestartBudget

    budget = RestartBudget(limit=3, window=600, cap=30)
    assert [budget.next_delay("api", t) for t in (0, 1, 2)] == [1.0, 2.0, 4.0]
    assert budget.next_delay("api", 3) is None, "three restarts in ten minutes: give up"
    assert budget.next_delay("worker", 3) == 1.0, "each child has its own budget"
    assert budget.next_delay("api", 700) == 1.0, "old restarts age out of the window"
