"""Helpers for running ``writ up`` as an operator would: a subprocess on free ports."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path


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
