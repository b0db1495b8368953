"""``writ up`` before it starts anything: port checks, the data directory, settings for
the children, and the guarantee that children never outlive their supervisor."""

from __future__ import annotations

import base64
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from services.platform.settings import Settings, load_settings
from services.stack.datadir import DataDir, DataDirError, StackLock, load_or_create_key
from services.stack.launch import clean_environment, up_command
from services.stack.servers import PortInUse, ensure_ports_free, free_port
from services.stack.stack import StackConfig, settings_environment, stack_settings


def run_up(command: list[str]) -> subprocess.CompletedProcess[str]:
    # A timeout, so a check that hangs fails the test instead of stalling the suite.
    return subprocess.run(
        command, check=False, capture_output=True, text=True, timeout=60, env=clean_environment()
    )


def test_writ_up_refuses_a_taken_port_and_names_it(
    tmp_path: Path, stack_ports: dict[str, int]
) -> None:
    data_dir = tmp_path / "data"
    with socket.socket() as squatter:
        # Bound but not listening: nothing answers a connect, yet no server could bind it.
        squatter.bind(("127.0.0.1", stack_ports["--api-port"]))
        began = time.monotonic()
        result = run_up(up_command(data_dir, stack_ports))

    assert result.returncode != 0
    assert time.monotonic() - began < 30
    message = result.stderr
    assert f"port {stack_ports['--api-port']} for API (--api-port)" in message
    assert "already in use" in message
    assert "Traceback" not in message
    assert not data_dir.exists(), "nothing is created when the stack cannot start"


def test_writ_up_refuses_a_port_taken_by_a_listener(
    tmp_path: Path, stack_ports: dict[str, int]
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", stack_ports["--smtp-port"]))
        squatter.listen()
        result = run_up(up_command(tmp_path / "data", stack_ports, "--headless"))

    assert result.returncode != 0
    assert f"port {stack_ports['--smtp-port']} for mail sink SMTP (--smtp-port)" in result.stderr


def test_writ_up_refuses_a_data_dir_another_supervisor_holds(
    tmp_path: Path, stack_ports: dict[str, int]
) -> None:
    data = DataDir(tmp_path / "data")
    data.create()
    lock = StackLock(data.lock_file)
    lock.acquire()
    try:
        result = run_up(up_command(data.root, stack_ports))
    finally:
        lock.release()

    assert result.returncode != 0
    assert (
        f"another `writ up` (pid {os.getpid()}) is already running on {data.root}" in result.stderr
    )


def test_port_check_names_every_conflict() -> None:
    port = free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        with pytest.raises(PortInUse) as err:
            ensure_ports_free({"API": port, "S3": 70000, "SMTP": port})
    message = str(err.value)
    assert f"port {port} for SMTP is also given to API" in message
    assert "port 70000 for S3 is not a valid port number" in message
    assert f"already in use: port {port} for API" in message


def test_stack_ports_include_seaweed_grpc_companions_and_skip_a_headless_ui(tmp_path: Path) -> None:
    config = StackConfig(
        data=DataDir(tmp_path),
        temporal_ui_port=None,
        s3_port=9000,
        seaweed_master_port=9001,
        seaweed_volume_port=9002,
        seaweed_filer_port=9003,
    )
    ports = config.ports()
    assert {19000, 19001, 19002, 19003} <= set(ports.values())
    assert not any("UI" in name for name in ports)


def test_payload_key_is_created_once_private_and_32_bytes(tmp_path: Path) -> None:
    path = tmp_path / "payload.key"
    key = load_or_create_key(path)
    assert len(base64.b64decode(key)) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key, "a restart must reuse the key"


def test_a_corrupt_payload_key_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "payload.key"
    path.write_text("not-a-key\n")
    path.chmod(0o600)
    with pytest.raises(DataDirError, match="32-byte key"):
        load_or_create_key(path)
    assert path.read_text() == "not-a-key\n"


def test_children_rebuild_exactly_the_stacks_settings(tmp_path: Path) -> None:
    config = StackConfig(
        data=DataDir(tmp_path), api_port=18000, temporal_port=17233, s3_port=18333, smtp_port=18025
    )
    key = base64.b64encode(bytes(range(32))).decode()
    settings = stack_settings(Settings(task_queue="custom-queue"), config, key)

    rebuilt = load_settings(settings_environment(settings))

    assert rebuilt == settings
    assert rebuilt.data_dir == str(tmp_path.resolve())
    assert rebuilt.s3_endpoint == "http://127.0.0.1:18333"
    assert rebuilt.temporal_address == "127.0.0.1:17233"
    assert rebuilt.task_queue == "custom-queue", "the user's own WRIT_* settings carry through"
    assert (
        Path(rebuilt.database_url_async.removeprefix("sqlite+aiosqlite:///"))
        == tmp_path.resolve() / "register.db"
    )


SUPERVISOR = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from services.stack.servers import ManagedProcess

    class Sleeper(ManagedProcess):
        name = "sleeper"
        def command(self):
            return ["sleep", "300"]
        def ready(self):
            return True

    child = Sleeper(Path(sys.argv[1]))
    child.start()
    print(child.pid, flush=True)
    time.sleep(300)
    """
)


def test_children_die_with_a_killed_supervisor(tmp_path: Path) -> None:
    """SIGKILL gives the supervisor no chance to stop its children; the kernel must."""
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(tmp_path / "sleeper.log")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        child_pid = int(supervisor.stdout.readline())
        os.kill(child_pid, 0)  # running
        supervisor.send_signal(signal.SIGKILL)
        supervisor.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(child_pid, 0)
            except ProcessLookupError:
                break
            if Path(f"/proc/{child_pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
                break  # exited; awaiting its reaper
            time.sleep(0.05)
        else:
            os.kill(child_pid, signal.SIGKILL)
            pytest.fail("the child outlived its supervisor")
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
