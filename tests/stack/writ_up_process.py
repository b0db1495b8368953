"""Helpers for running ``writ up`` as an operator would: a subprocess on free ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from services.stack.servers import free_port

# Ports that also have a SeaweedFS gRPC companion at +10000.
SEAWEED_OPTIONS = (
    "--s3-port",
    "--seaweed-master-port",
    "--seaweed-volume-port",
    "--seaweed-filer-port",
)
PORT_OPTIONS = (
    "--api-port",
    "--temporal-port",
    "--temporal-ui-port",
    "--smtp-port",
    *SEAWEED_OPTIONS,
)


def distinct_free_ports() -> dict[str, int]:
    """A free port per ``writ up`` option, no two equal and none on another's +10000."""
    chosen: dict[str, int] = {}
    taken: set[int] = set()
    for option in PORT_OPTIONS:
        while True:
            port = free_port()
            claims = {port, port + 10000} if option in SEAWEED_OPTIONS else {port}
            if not claims & taken:
                break
        chosen[option] = port
        taken |= claims
    return chosen


def up_command(data_dir: Path, ports: dict[str, int], *extra: str) -> list[str]:
    args = [sys.executable, "-m", "services.cli", "up", "--data-dir", str(data_dir)]
    for option, port in ports.items():
        args += [option, str(port)]
    return [*args, *extra]


def clean_environment() -> dict[str, str]:
    """The test process's environment without WRIT_* settings, as on a fresh machine."""
    return {k: v for k, v in os.environ.items() if not k.startswith("WRIT_")}


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
