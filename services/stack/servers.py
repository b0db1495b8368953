"""The child servers of the embedded stack, each a supervised subprocess.

The same classes start the stack for ``writ up`` and for the test suite, so the tests
exercise exactly the commands an operator runs.
"""

from __future__ import annotations

import abc
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


class PortInUse(RuntimeError):
    pass


class ServerFailed(RuntimeError):
    pass


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A free port whose +10000 companion is free too.

    SeaweedFS puts each service's gRPC listener at its HTTP port + 10000, so ports are
    drawn from a range where that companion still exists and is not taken.
    """
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 45000)
        if _bindable(port) and _bindable(port + 10000):
            return port
    raise PortInUse("no free port pair found in 20000-55000")


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def ensure_ports_free(ports: dict[str, int]) -> None:
    taken = [f"{name} port {port}" for name, port in ports.items() if port_is_open(port)]
    if taken:
        raise PortInUse(
            "already in use: " + ", ".join(taken) + " (stop whatever holds it, or choose other ports)"
        )


def bundled_binary(name: str) -> str:
    """A server binary shipped by a PyPI package into this interpreter's ``bin/``."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise ServerFailed(f"{name} not found: install the project (pip install -e .) first")
    return found


class ManagedProcess(abc.ABC):
    """A child process with a readiness probe, stopped gracefully (SIGTERM, then SIGKILL)."""

    name = "process"

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @abc.abstractmethod
    def command(self) -> list[str]: ...

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    @abc.abstractmethod
    def ready(self) -> bool: ...

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
        self.proc = subprocess.Popen(
            self.command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.environment(),
            start_new_session=True,  # Ctrl-C reaches the supervisor, which stops children in order
        )
        log.close()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise ServerFailed(
                    f"{self.name} exited with code {self.proc.returncode}; see {self.log_path}"
                )
            if self.ready():
                return
            time.sleep(0.2)
        raise ServerFailed(f"{self.name} not ready after {timeout:.0f}s; see {self.log_path}")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


class TemporalDevServer(ManagedProcess):
    name = "temporal"

    def __init__(
        self,
        data_dir: Path,
        port: int,
        ui_port: int | None,
        search_attributes: dict[str, str],
    ) -> None:
        super().__init__(data_dir / "logs" / "temporal.log")
        self.data_dir = data_dir
        self.port = port
        self.ui_port = ui_port
        self.search_attributes = search_attributes

    def command(self) -> list[str]:
        cmd = [
            bundled_binary("temporal"),
            "server",
            "start-dev",
            "--db-filename",
            str(self.data_dir / "temporal.db"),
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warn",
            # WAL keeps state in the file at roughly in-memory speed (FIELD-NOTES).
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
        ]
        if self.ui_port is None:
            cmd.append("--headless")
        else:
            cmd += ["--ui-port", str(self.ui_port)]
        for name, kind in self.search_attributes.items():
            cmd += ["--search-attribute", f"{name}={kind}"]
        return cmd

    def ready(self) -> bool:
        return port_is_open(self.port) and (self.ui_port is None or port_is_open(self.ui_port))


class SeaweedS3(ManagedProcess):
    """SeaweedFS master + volume + filer + S3 gateway in one process, data on disk."""

    name = "seaweedfs"

    def __init__(
        self,
        data_dir: Path,
        s3_port: int,
        access_key: str,
        secret_key: str,
        *,
        master_port: int | None = None,
        volume_port: int | None = None,
        filer_port: int | None = None,
    ) -> None:
        super().__init__(data_dir / "logs" / "seaweedfs.log")
        self.data_dir = data_dir / "s3"
        self.s3_port = s3_port
        self.master_port = master_port or free_port()
        self.volume_port = volume_port or free_port()
        self.filer_port = filer_port or free_port()
        self.access_key = access_key
        self.secret_key = secret_key

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def _write_identities(self) -> Path:
        # With an identity configured, the gateway checks signatures (as AWS does).
        config = self.data_dir / "s3.json"
        config.write_text(
            '{"identities":[{"name":"writ","credentials":[{"accessKey":"%s","secretKey":"%s"}],'
            '"actions":["Admin","Read","List","Tagging","Write"]}]}'
            % (self.access_key, self.secret_key)
        )
        return config

    def command(self) -> list[str]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return [
            bundled_binary("weed"),
            "server",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-s3",
            f"-s3.port={self.s3_port}",
            f"-s3.config={self._write_identities()}",
            f"-master.port={self.master_port}",
            f"-volume.port={self.volume_port}",
            f"-filer.port={self.filer_port}",
            "-volume.max=0",
            "-master.volumeSizeLimitMB=256",
            "-volume.preStopSeconds=0",
        ]

    def ready(self) -> bool:
        return port_is_open(self.s3_port)
