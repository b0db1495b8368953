"""Issue 13, defect 9: a ``writ`` command that cannot reach what it needs says so in one
line naming the server and the setting, exits 2, and prints no traceback; a bad setting
names its variable. Real subprocesses, real drivers, real closed ports."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest

from services.platform.settings import load_settings
from services.platform.unreachable import describe_unreachable
from services.stack.servers import free_port


def _writ(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WRIT_")}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=clean | {"WRIT_DATA_DIR": str(tmp_path / "data")} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_audit_verify_without_a_data_directory(tmp_path):
    line = _one_line(_writ(tmp_path, "audit", "verify"))
    assert line.startswith("writ audit: there is no case register at ")
    assert str(tmp_path / "data" / "register.db") in line and "WRIT_DATA_DIR" in line
    assert not (tmp_path / "data").exists()  # nothing created by looking


@pytest.fixture
def writ_in_process(tmp_path, monkeypatch, capsys):
    """``writ ARGS`` through ``services.cli.main`` in this process, with its own settings."""
    from services.cli import main
    from services.platform.settings import get_settings

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        for name in [k for k in os.environ if k.startswith("WRIT_")]:
            monkeypatch.delenv(name)
        for name, value in ({"WRIT_DATA_DIR": str(tmp_path / "data")} | env).items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            code = main(list(args))
        finally:
            get_settings.cache_clear()
        return subprocess.CompletedProcess(args, code, "", capsys.readouterr().err)

    return run


def test_audit_verify_on_a_register_without_its_schema(tmp_path, writ_in_process):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "register.db").touch()
    line = _one_line(writ_in_process("audit", "verify"))
    assert "has no schema" in line and "writ migrate" in line


def test_a_postgresql_that_refuses_is_named_without_its_password(writ_in_process):
    url = f"postgresql://writ:s3cret@127.0.0.1:{free_port()}/writ"
    line = _one_line(writ_in_process("audit", "verify", WRIT_DATABASE_URL=url))
    assert "the case register at postgresql+asyncpg://writ:***@127.0.0.1:" in line
    assert "refused the connection" in line and "s3cret" not in line


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("WRIT_API_PORT", "eighty", "WRIT_API_PORT is malformed"),
        ("WRIT_RETENTION_TOLL_RECORDS_DAYS", "30", "below the legal minimum"),
        ("WRIT_PAYLOAD_KEY", "c2hvcnQ=", "WRIT_PAYLOAD_KEY must be 32 bytes"),
    ],
)
def test_a_bad_setting_is_named(writ_in_process, name, value, said):
    args = ("retention", "run-now") if name == "WRIT_PAYLOAD_KEY" else ("audit", "verify")
    line = _one_line(writ_in_process(*args, **{name: value}))
    assert said in line and "docs/configuration.md" in line


def test_s3_and_temporal_out_of_reach_are_named():
    import asyncio

    from botocore.exceptions import BotoCoreError

    from services.platform.objectstore import s3_client
    from services.platform.temporal import connect

    s3_port, temporal_port = free_port(), free_port()
    settings = load_settings(
        {
            "WRIT_S3_ENDPOINT": f"http://127.0.0.1:{s3_port}",
            "WRIT_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
            "WRIT_PAYLOAD_KEY": base64.b64encode(bytes(32)).decode(),
        }
    )
    client = s3_client(settings)
    with pytest.raises(BotoCoreError) as s3_failed:
        client.list_buckets()
    said = describe_unreachable(s3_failed.value, settings)
    assert said == (
        f"cannot reach S3 at http://127.0.0.1:{s3_port} (WRIT_S3_ENDPOINT): is it running?"
    )

    async def reach() -> None:
        await asyncio.wait_for(connect(settings), 30)

    with pytest.raises(RuntimeError) as temporal_failed:
        asyncio.run(reach())
    said = describe_unreachable(temporal_failed.value, settings)
    assert said is not None and f"Temporal at 127.0.0.1:{temporal_port}" in said


def test_a_bug_keeps_its_traceback():
    assert describe_unreachable(KeyError("status"), load_settings({})) is None
