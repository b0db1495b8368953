"""Starting ``writ up`` as a child process on free ports: for the stack tests and the
benchmarks, which each run a whole embedded stack of their own beside anything else."""

from __future__ import annotations

import os
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
