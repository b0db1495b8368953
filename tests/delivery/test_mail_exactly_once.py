"""Mail exactly once however the bookkeeping fails (issue 13 defect 1): the send went out,
then the "done" mark could not be written. The retry sends the same message (same
Message-ID) again; the outbox row records the second attempt, and the sink — like a real
receiving system — keeps one. Counted at the sink, over real SMTP, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from pathlib import Path

import msgspec
import pytest
from temporalio.testing import ActivityEnvironment

from contracts.workflow import AgencyNotice
from services.billing.invoice_mail import compose_invoice_mail
from services.decisions.policy import load_policy
from services.delivery.mail import compose_production_notice
from services.platform.objectstore import s3_client
from services.register import audit
from services.stack.mailsink import MailSink, read_mailbox
from services.stack.servers import free_port
from services.workflows.legal_process.activities import LegalProcessActivities
from services.workflows.send_once import send_mail_once
from tests.support import submission, submit

OFFICER = "j.doe@raleighpd.gov"


class MarkFailsOnce:
    """``audit.append`` failing the first time it writes ``action``: the transaction that
    marks the step done rolls back after the mail went out (a crash at that moment)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *actions: str) -> None:
        self.pending = set(actions)
        self.failed: list[str] = []
        real = audit.append

        async def append(conn, **event):
            if event["action"] in self.pending:
                self.pending.discard(event["action"])
                self.failed.append(event["action"])
                raise ConnectionError("register lost after the send (injected)")
            return await real(conn, **event)

        monkeypatch.setattr(audit, "append", append)


def _copies(directory: Path, message_id: str) -> int:
    return sum(1 for m in read_mailbox(directory) if m["Message-ID"] == message_id)


@pytest.fixture
def sink(tmp_path: Path):
    with MailSink(tmp_path / "mail", port=free_port()) as running:
        yield running


@pytest.fixture
def mail_settings(settings, sink):
    return msgspec.structs.replace(settings, smtp_host=sink.host, smtp_port=sink.port)


async def _registered_request(api, agency) -> str:
    created = await submit(api, agency["headers"], submission())
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def test_agency_notice_whose_mark_fails_arrives_once(
    api, agency, register, mail_settings, sink, monkeypatch
):
    request_id = await _registered_request(api, agency)
    activities = LegalProcessActivities(
        mail_settings, register, s3_client(mail_settings), load_policy(None)
    )
    notice = AgencyNotice(request_id=request_id, subject="Preservation ends soon", body="Hi.")
    failing = MarkFailsOnce(monkeypatch, *_agency_actions(notice))

    with pytest.raises(ConnectionError):
        await ActivityEnvironment().run(activities.notify_agency, notice)
    await ActivityEnvironment().run(activities.notify_agency, notice)  # Temporal's retry
    await ActivityEnvironment().run(activities.notify_agency, notice)  # a late duplicate task

    assert failing.failed, "the injected failure never happened"
    [message] = [m for m in read_mailbox(sink.directory) if request_id in m["Message-ID"]]
    assert _copies(sink.directory, message["Message-ID"]) == 1
    [entry] = await register.outbox.for_request(request_id)
    assert entry.attempts == 2 and entry.sent_at is not None  # sent twice, delivered once
    [digest_action] = failing.failed
    trail = [e.action for e in await register.audit.trail(request_id)]
    assert trail.count(digest_action) == 1


def _agency_actions(notice: AgencyNotice) -> list[str]:
    import hashlib

    return [f"agency_notified:{hashlib.sha256(notice.subject.encode()).hexdigest()[:16]}"]


@pytest.mark.parametrize("kind", ["production-notice", "invoice"])
async def test_composed_mail_whose_mark_fails_is_delivered_once(
    api, agency, register, mail_settings, sink, monkeypatch, kind
):
    request_id = await _registered_request(api, agency)
    if kind == "production-notice":
        message = compose_production_notice(mail_settings, OFFICER, request_id, "RPD", "Sign in.")
        about, done = (), "officer_notified"
    else:
        invoice = {
            "id": f"INV-{uuid.uuid4().hex[:8]}",
            "account_id": "AC-1",
            "total": 2500,
            "currency": "USD",
            "request_id": request_id,
        }
        message = compose_invoice_mail(mail_settings, OFFICER, invoice, b"%PDF-1.4", "2027-01-01")
        about, done = (invoice["id"],), f"invoice_mailed:{invoice['id']}"
    MarkFailsOnce(monkeypatch, done)

    async def once() -> bool:
        return await send_mail_once(
            register,
            mail_settings,
            message,
            request_id=request_id,
            purpose=kind,
            about=about,
            done_action=done,
        )

    with pytest.raises(ConnectionError):
        await once()
    assert await once() is True  # the retry sends again...
    assert await once() is False  # ...and once marked, never again

    assert _copies(sink.directory, str(message["Message-ID"])) == 1
    [entry] = await register.outbox.for_request(request_id)
    assert (entry.purpose, entry.attempts) == (kind, 2)
    trail = [e.action for e in await register.audit.trail(request_id)]
    assert trail.count(done) == 1


# -- the sink itself ---------------------------------------------------------------------


def _message(message_id: str, to: str = OFFICER) -> bytes:
    return (
        f"From: writ@writ.example\r\nTo: {to}\r\nSubject: test\r\n"
        f"Message-ID: {message_id}\r\n\r\nbody\r\n"
    ).encode()


def _send(sink: MailSink, content: bytes) -> None:
    with smtplib.SMTP(sink.host, sink.port, timeout=10) as smtp:
        smtp.sendmail("writ@writ.example", [OFFICER], content)


def test_the_sink_keeps_one_copy_per_message_id_across_restarts(tmp_path):
    directory = tmp_path / "mail"
    port = free_port()
    with MailSink(directory, port=port) as sink:
        _send(sink, _message("<a@writ>"))
        _send(sink, _message("<a@writ>"))  # accepted (250) and dropped
        _send(sink, _message("<b@writ>"))
    with MailSink(directory, port=free_port()) as again:
        _send(again, _message("<a@writ>"))
    assert sorted(m["Message-ID"] for m in read_mailbox(directory)) == ["<a@writ>", "<b@writ>"]


async def test_concurrent_deliveries_of_one_message_store_one(tmp_path):
    with MailSink(tmp_path / "mail", port=free_port()) as sink:
        await asyncio.gather(
            *(asyncio.to_thread(_send, sink, _message("<c@writ>")) for _ in range(8))
        )
        assert len(read_mailbox(sink.directory)) == 1
        assert not list(sink.directory.glob("*.part"))
