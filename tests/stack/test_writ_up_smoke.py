"""The whole stack as an operator runs it: ``writ up``, one submission over HTTP, Ctrl-C,
and the same request still there after ``writ up`` on the same data directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from writ_up_process import (
    clean_environment,
    kill_leftovers,
    processes_mentioning,
    stop_process,
    up_command,
)

from services.intake.auth.tokens import mint_local_token
from services.platform.settings import Settings

AGENCY_ID = "raleigh-pd"


def minimal_pdf() -> bytes:
    """A valid one-page PDF (correct xref offsets), standing in for a signed subpoena."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


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


class RunningStack:
    """One ``writ up`` subprocess, its output in a file, stopped however the test ends."""

    def __init__(self, data_dir: Path, ports: dict[str, int], output: Path) -> None:
        self.data_dir = data_dir
        self.api = f"http://127.0.0.1:{ports['--api-port']}"
        self.output_path = output
        with open(output, "ab") as out:
            self.proc = subprocess.Popen(
                up_command(data_dir, ports),
                stdout=out,
                stderr=subprocess.STDOUT,
                env=clean_environment(),
                start_new_session=True,  # the test signals writ up alone, as a terminal would
            )

    @property
    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 180) -> float:
        """Until /readyz answers 200 and writ up has said it is up (worker polling too)."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.proc.poll() is not None:
                pytest.fail(f"writ up exited with {self.proc.returncode}:\n{self.output}")
            try:
                ready = httpx.get(f"{self.api}/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                ready = False
            if ready and "Writ is up" in self.output:
                return time.monotonic() - began
            time.sleep(0.25)
        pytest.fail(f"not ready after {timeout} s:\n{self.output}")

    def child_pids(self) -> dict[str, int]:
        state = json.loads((self.data_dir / "stack.json").read_text())
        return {name: child["pid"] for name, child in state["children"].items()}

    def interrupt(self, timeout: float = 60) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"writ up still running {timeout} s after SIGINT:\n{self.output}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_writ_up_smoke(tmp_path: Path, stack_ports: dict[str, int]) -> None:
    data_dir = tmp_path / "writ-data"
    stack = RunningStack(data_dir, stack_ports, tmp_path / "writ-up.out")
    try:
        ready_after = stack.wait_ready()
        print(f"first start: ready after {ready_after:.1f} s")
        banner = stack.output
        assert f"{stack.api}/schema" in banner
        assert f"http://127.0.0.1:{stack_ports['--temporal-ui-port']}" in banner
        assert f"http://127.0.0.1:{stack_ports['--s3-port']}" in banner
        assert "token --sub" in banner
        # Retention: the schedule is set up once the worker polls (Temporal UI: Schedules).
        assert "retention: schedule writ-retention created" in banner
        key_file = data_dir / "payload.key"
        assert key_file.stat().st_mode & 0o777 == 0o600
        payload_key = key_file.read_text()

        # The stack signs and checks tokens with the default local settings.
        settings = Settings(data_dir=str(data_dir), api_port=stack_ports["--api-port"])
        admin = mint_local_token(settings, subject="smoke-admin", roles=["admin"])
        agency = mint_local_token(
            settings, subject="j.doe@raleighpd.gov", roles=["agency"], agency_id=AGENCY_ID
        )

        created = httpx.post(
            f"{stack.api}/v1/agencies",
            headers={"Authorization": f"Bearer {admin}"},
            json={
                "id": AGENCY_ID,
                "name": "Raleigh Police Department",
                "jurisdiction": "US-NC",
                "email_domains": ["raleighpd.gov"],
                "callback_number": "+19195550100",
            },
            timeout=30,
        )
        assert created.status_code == 201, created.text

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

        children = stack.child_pids()
        assert set(children) == {"temporal", "seaweedfs", "mailsink", "worker", "api"}
        began = time.monotonic()
        assert stack.interrupt(timeout=60) == 0, stack.output
        print(f"stopped in {time.monotonic() - began:.1f} s")
        survivors = {name: pid for name, pid in children.items() if alive(pid)}
        assert not survivors, f"children outlived writ up: {survivors}"
        assert not processes_mentioning(str(data_dir)), "a process still uses the data directory"
        assert not (data_dir / "stack.json").exists()

        stack = RunningStack(data_dir, stack_ports, tmp_path / "writ-up-2.out")
        print(f"restart: ready after {stack.wait_ready():.1f} s")
        assert "retention: schedule writ-retention updated" in stack.output, "never duplicated"
        assert key_file.read_text() == payload_key, "Temporal's history needs the same key"
        fetched = httpx.get(
            f"{stack.api}/v1/legal-processes/{request_id}",
            headers={"Authorization": f"Bearer {agency}"},
            timeout=30,
        )
        assert fetched.status_code == 200, fetched.text
        assert fetched.json()["id"] == request_id
        assert stack.interrupt(timeout=60) == 0, stack.output
    finally:
        stop_process(stack.proc)
        kill_leftovers(data_dir)  # only after a failure: the assertions above cover success
