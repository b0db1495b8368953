"""The email notice, sent over real SMTP to the aiosmtpd sink, read back from disk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from services.delivery.mail import InvalidMailAddress, send_production_notice
from services.platform.settings import Settings
from services.stack.mailsink import MailSink, read_mailbox
from services.stack.servers import free_port

OFFICER = "det.smith@raleighnc.gov"
HINT = "Sign in at https://writ.example/agency and open the request to download the package."


@pytest.fixture
def mail_sink(tmp_path: Path) -> Iterator[MailSink]:
    with MailSink(tmp_path / "mail", port=free_port()) as sink:
        yield sink


@pytest.fixture
def mail_settings(base_settings: Settings, mail_sink: MailSink) -> Settings:
    return msgspec.structs.replace(
        base_settings, smtp_host=mail_sink.host, smtp_port=mail_sink.port
    )


def test_notice_arrives_without_any_target_or_record(
    mail_settings, mail_sink, request_id, package_request
):
    request = package_request(request_id)

    message_id = send_production_notice(
        mail_settings, OFFICER, request_id, "Raleigh Police Department", HINT
    )

    [message] = read_mailbox(mail_sink.directory)
    assert message["Message-ID"] == message_id
    assert message["To"] == OFFICER
    assert message["X-Envelope-To"] == OFFICER
    assert request_id in message["Subject"]
    raw = next(mail_sink.directory.glob("*.eml")).read_bytes().decode()
    assert HINT in message.get_content()
    for outcome in request.collection.targets:
        assert outcome.target.value not in raw
        assert outcome.target.value.lstrip("+") not in raw
        for account in outcome.accounts:
            assert account not in raw


def test_a_resent_notice_has_the_same_message_id(mail_settings, mail_sink, request_id):
    first = send_production_notice(mail_settings, OFFICER, request_id, "RPD", HINT)
    second = send_production_notice(mail_settings, OFFICER, request_id, "RPD", HINT)

    assert first == second
    assert request_id in first
    # The sink, like a receiving mail system, keeps one copy per Message-ID.
    assert [m["Message-ID"] for m in read_mailbox(mail_sink.directory)] == [first]


@pytest.mark.parametrize(
    "address", ["a@b.gov\r\nBcc: x@evil.example", "a@b.gov, c@d.gov", "nobody"]
)
def test_header_injection_is_refused(mail_settings, request_id, address):
    with pytest.raises(InvalidMailAddress):
        send_production_notice(mail_settings, address, request_id, "RPD", HINT)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_mailsink_runs_as_a_child_process(tmp_path, base_settings, request_id, stop_signal):
    port = free_port()
    directory = tmp_path / "child-mail"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.stack.mailsink",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(directory),
        ],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "listening" in child.stdout.readline()
        settings = msgspec.structs.replace(base_settings, smtp_host="127.0.0.1", smtp_port=port)
        send_production_notice(settings, OFFICER, request_id, "RPD", HINT)
        assert [m["Message-ID"] for m in read_mailbox(directory)] == [
            f"<production-notice.{request_id}@writ.local>"
        ]
    finally:
        child.send_signal(stop_signal)
        assert child.wait(timeout=10) == 0


def test_unreachable_smtp_server_raises(base_settings, request_id):
    settings = msgspec.structs.replace(base_settings, smtp_host="127.0.0.1", smtp_port=free_port())
    with pytest.raises(OSError):
        send_production_notice(settings, OFFICER, request_id, "RPD", HINT)
