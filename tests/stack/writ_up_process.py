"""Helpers for running ``writ up`` as an operator would: a subprocess on free ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from services.stack.launch import clean_environment, up_command


def processes_mentioning(text: str) -> list[int]:
    """Pids of this user's processes whose command line or environment mentions ``text``."""
    found = []
    needle = text.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            mentions = needle in (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
            zombie = (entry / "stat").read_text().split(") ", 1)[1].startswith("Z")
        except OSError:  # gone meanwhile, or not ours
            continue
        if mentions and not zombie:
            found.append(int(entry.name))
    return found


def kill_leftovers(data_dir: Path) -> list[int]:
    """Last-resort cleanup so a failing test never leaves servers behind."""
    leftovers = processes_mentioning(str(data_dir))
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return leftovers


def stop_process(proc: subprocess.Popen, timeout: float = 60) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


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


class RunningStack:
    """One ``writ up`` subprocess, its output in a file, stopped however the test ends."""

    def __init__(self, data_dir: Path, ports: dict[str, int], output: Path, *extra: str) -> None:
        self.data_dir = data_dir
        self.api = f"http://127.0.0.1:{ports['--api-port']}"
        self.output_path = output
        with open(output, "ab") as out:
            self.proc = subprocess.Popen(
                up_command(data_dir, ports, *extra),
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


class SharedStack:
    """One ``writ up`` for the session's stack tests that only use a stack (the README
    walk-through, the exposure check, the smoke test's submit-stop-restart, the crash
    restart): started at the first test that asks, on its own free ports and data
    directory, and stopped at the end. Each test registers an agency of its own and its
    own case numbers. A test may stop it (``stop`` checks that nothing outlives it) or
    restart it; the next test to ask gets it running again on the same data directory.
    Tests that need other options (``--workers 2``) or a run of their own (the chaos
    run) start their own stack."""

    def __init__(self, root: Path, ports: dict[str, int]) -> None:
        self.root = root
        self.ports = ports
        self.data_dir = root / "writ-data"
        self.api = f"http://127.0.0.1:{ports['--api-port']}"
        self.outputs: list[Path] = []  # writ up's terminal output, one file per start
        self.current: RunningStack | None = None

    @property
    def first_output(self) -> str:
        return self.outputs[0].read_text(errors="replace")

    @property
    def output(self) -> str:
        """Everything every start of it has printed."""
        return "".join(path.read_text(errors="replace") for path in self.outputs)

    def running(self) -> RunningStack:
        if self.current is None or self.current.proc.poll() is not None:
            self.start()
        assert self.current is not None
        return self.current

    def start(self) -> RunningStack:
        assert self.current is None or self.current.proc.poll() is not None, "already running"
        output = self.root / f"writ-up-{len(self.outputs) + 1}.out"
        self.outputs.append(output)
        self.current = RunningStack(self.data_dir, self.ports, output)
        ready_after = self.current.wait_ready()
        print(f"shared writ up (start {len(self.outputs)}): ready after {ready_after:.1f} s")
        return self.current

    def stop(self) -> None:
        """Ctrl-C, as an operator stops it: it exits 0, and no child or other process is
        left using the data directory."""
        stack = self.running()
        children = stack.child_pids()
        began = time.monotonic()
        code = stack.interrupt(timeout=60)
        self.current = None
        assert code == 0, stack.output
        print(f"shared writ up: stopped in {time.monotonic() - began:.1f} s")
        survivors = {name: pid for name, pid in children.items() if alive(pid)}
        assert not survivors, f"children outlived writ up: {survivors}"
        assert not processes_mentioning(str(self.data_dir)), "a process still uses the data dir"
        assert not (self.data_dir / "stack.json").exists()

    def close(self) -> None:
        """However the session ends: stopped, and nothing left behind."""
        if self.current is not None:
            stop_process(self.current.proc)
            self.current = None
        kill_leftovers(self.data_dir)


def register_agency(api: str, data_dir: Path, api_port: int, agency_id: str, admin: str) -> str:
    """Register a Raleigh PD agency on the running stack (as ``admin``, minted with the
    stack's default local settings) and return a token for its officer."""
    from services.intake.auth.tokens import mint_local_token
    from services.platform.settings import Settings

    settings = Settings(data_dir=str(data_dir), api_port=api_port)
    token = mint_local_token(settings, subject=admin, roles=["admin"])
    created = httpx.post(
        f"{api}/v1/agencies",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "id": agency_id,
            "name": "Raleigh Police Department",
            "jurisdiction": "US-NC",
            "email_domains": ["raleighpd.gov"],
            "callback_number": "+19195550100",
        },
        timeout=30,
    )
    assert created.status_code == 201, created.text
    return mint_local_token(
        settings, subject="j.doe@raleighpd.gov", roles=["agency"], agency_id=agency_id
    )
