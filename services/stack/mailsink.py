"""A local SMTP sink for the embedded stack and the tests: every message becomes an .eml file.

Run as a child process: ``python -m services.stack.mailsink --host 127.0.0.1
--port 8025 --dir .writ/mail``. Nothing is relayed anywhere.

Idempotent on Message-ID, as receiving mail systems are: a message whose Message-ID the
sink already holds is accepted (250) and dropped, so a sender that resends after a crash
between its send and its "done" mark (docs/operations.md, "Mail and webhooks: exactly
once") delivers once. The claim is a hard link named by the Message-ID's digest under
``.message-ids/``, made atomically before the .eml appears, so two concurrent deliveries
of the same message, in one sink or two on the same directory, store one.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import threading
import time
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from types import FrameType
from typing import Any

from aiosmtpd.controller import Controller

_EML_SUFFIX = ".eml"
_IDS_DIRECTORY = ".message-ids"


class MaildirHandler:
    """aiosmtpd handler writing each message to ``directory`` atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        store_message(self.directory, envelope.mail_from, envelope.rcpt_tos, envelope.content)
        return "250 Message accepted for delivery"


def store_message(
    directory: Path, mail_from: str, rcpt_tos: list[str], content: bytes
) -> Path | None:
    """Write one message with its envelope, as headers, in front (Bcc leaves no other
    trace). None when a message with the same Message-ID is already stored (a resend)."""
    envelope = (
        f"X-Envelope-From: {mail_from}\r\nX-Envelope-To: {', '.join(rcpt_tos)}\r\n"
    ).encode()
    # Nanosecond time first so file names sort in arrival order; uuid for uniqueness.
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex}"
    final = directory / (name + _EML_SUFFIX)
    partial = directory / (name + ".part")
    partial.write_bytes(envelope + content)
    message_id = message_id_of(content)
    if message_id is not None:
        ids = directory / _IDS_DIRECTORY
        ids.mkdir(exist_ok=True)
        try:
            # Atomic and exclusive: exactly one delivery of a Message-ID gets the claim.
            os.link(partial, ids / hashlib.sha256(message_id.encode()).hexdigest())
        except FileExistsError:
            partial.unlink()
            return None
    # A reader never sees a half-written .eml: the rename is atomic.
    os.replace(partial, final)
    return final


def message_id_of(content: bytes) -> str | None:
    """The Message-ID header of a raw message, as the sender wrote it (stripped)."""
    headers = BytesParser(policy=policy.default).parsebytes(content, headersonly=True)
    value = headers.get("Message-ID")
    return str(value).strip() if value else None


class MailSink:
    """The sink in this process (tests): ``with MailSink(dir, port=p): ...``."""

    def __init__(self, directory: Path | str, host: str = "127.0.0.1", port: int = 8025) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.port = port
        # A fixed server name: the default looks up this host's FQDN, which can stall on DNS.
        self._controller = Controller(
            MaildirHandler(self.directory),
            hostname=host,
            port=port,
            server_hostname="writ-mailsink",
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def read_mailbox(directory: Path | str) -> list[EmailMessage]:
    """Every stored message, oldest first."""
    parser = BytesParser(policy=policy.default)
    paths = sorted(Path(directory).glob("*" + _EML_SUFFIX))
    messages: list[EmailMessage] = []
    for path in paths:
        with path.open("rb") as handle:
            message = parser.parse(handle)
        assert isinstance(message, EmailMessage)  # guaranteed by policy.default
        messages.append(message)
    return messages


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    sink = MailSink(args.dir, host=args.host, port=args.port)
    stopped = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    sink.start()
    print(f"mail sink listening on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    try:
        stopped.wait()
    finally:
        sink.stop()
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Local SMTP sink writing .eml files.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", required=True, help="directory for the .eml files")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
