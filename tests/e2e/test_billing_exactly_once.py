"""Posting exactly once (docs/billing.md): a worker SIGKILLed in the middle of posting (the
invoice is in the ledger, its PDF and event stored, the mail to the customer under way)
is replaced by another; the retried activity converges on one invoice, one billing event
and one mail. A second posting and a re-export change nothing either."""

from __future__ import annotations

import asyncio
import concurrent.futures
import email
import email.policy
import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import msgspec
import pytest
from aiosmtpd.controller import Controller

from services.billing.cli import export_events
from services.register.billing import BillingLedger
from services.stack.mailsink import read_mailbox, store_message
from services.stack.servers import free_port
from services.stack.stack import settings_environment
from services.workflows.billing.workflows import BillingWorkflow, billing_workflow_id
from services.workflows.worker import build_worker
from tests.e2e.own_register import own_register, own_register_url, own_settings  # noqa: F401
from tests.support import submission, submit, wait_for_status

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
async def temporal_env(base_settings):
    """A real Temporal dev server: the killed worker's heartbeat timeout fires in real time."""
    from temporalio.testing import WorkflowEnvironment

    from services.platform.temporal import data_converter
    from services.stack.servers import bundled_binary
    from services.workflows.search_attributes import ALL_KEYS

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=bundled_binary("temporal"),
        data_converter=data_converter(base_settings),
        search_attributes=ALL_KEYS,
    )
    yield env
    await env.shutdown()


@pytest.fixture
def service_settings(settings, task_queue, tmp_path):
    import msgspec

    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"domicile_state": "US-NC"}))
    return msgspec.structs.replace(settings, task_queue=task_queue, policy_file=str(policy))


class ParkingMail:
    """An SMTP server that stores every message in the test's mailbox except invoices: the
    first invoice for ``request_id`` parks (never answered) until the test has killed the
    worker sending it. (The worker may also bill requests other tests left unstarted in the
    shared register: it resumes them at start; their invoices pass.)"""

    def __init__(self, directory: Path) -> None:
        self.parked = threading.Event()
        self.port = free_port()
        self.request_id = ""
        parking = self

        def for_this_request(content: bytes) -> bool:
            message = email.message_from_bytes(content, policy=email.policy.default)
            body = message.get_body(("plain",))
            return (
                bool(parking.request_id)
                and body is not None
                and (parking.request_id in body.get_content())
            )

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                if (
                    b"\nSubject: Invoice " in envelope.content
                    and not parking.parked.is_set()
                    and for_this_request(envelope.content)
                ):
                    parking.parked.set()
                    await asyncio.sleep(120)
                    return "451 try again"
                store_message(directory, envelope.mail_from, envelope.rcpt_tos, envelope.content)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> ParkingMail:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def worker_process(settings, temporal_env, smtp_port: int) -> subprocess.Popen:
    config = temporal_env.client.service_client.config
    # Every setting of the test's service, as the variables the child reads.
    env = settings_environment(
        msgspec.structs.replace(settings, temporal_address=config.target_host, smtp_port=smtp_port)
    )
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(settings.data_dir, "billing-crash-worker.log"), "ab"),  # noqa: SIM115
    )


def invoice_objects(s3, settings, invoice_id: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=settings.documents_bucket, Prefix="billing-events/")
    return [o["Key"] for o in listed.get("Contents", []) if invoice_id in o["Key"]]


async def test_worker_killed_mid_posting_bills_once(
    api, agency, mint, lake, temporal_env, service_settings, register, mailbox, s3
):
    body = submission(
        date_range={"start": lake.period_start, "end": lake.period_end}, issued_on=lake.issued_on
    )
    with ParkingMail(Path(mailbox.directory)) as parking:
        first = worker_process(service_settings, temporal_env, parking.port)
        try:
            created = await submit(api, agency["headers"], body)
            request_id = parking.request_id = created.json()["id"]
            assert await asyncio.to_thread(parking.parked.wait, 120), "no invoice mail was sent"
            first.send_signal(signal.SIGKILL)  # mid-posting: the customer's mail is in flight
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()

    ledger = BillingLedger(register.engine)
    (posted,) = await ledger.list_invoices(request_id=request_id)  # committed before the kill

    # A new worker takes the posting over once the dead one's heartbeat times out (30 s).
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
        async with build_worker(temporal_env.client, service_settings, register, executor=executor):
            await wait_for_status(api, agency["headers"], request_id, {"closed"}, timeout=120)
            handle = temporal_env.client.get_workflow_handle_for(
                BillingWorkflow.run, billing_workflow_id(request_id)
            )
            state = await asyncio.wait_for(handle.result(), timeout=120)
    assert state.stage == "posted" and state.invoice_ids == [posted["id"]]

    invoices = await ledger.list_invoices(request_id=request_id)
    events = await asyncio.to_thread(invoice_objects, s3, service_settings, posted["id"])
    mail = [m for m in read_mailbox(mailbox.directory) if posted["id"] in str(m["Subject"])]
    trail = [e.action for e in await register.audit.trail(request_id)]
    figures = {
        "invoices": len(invoices),
        "events": len(events),
        "mails": len(mail),
        "invoice_posted": trail.count("invoice_posted"),
        "invoice_mailed": trail.count(f"invoice_mailed:{posted['id']}"),
    }
    assert figures == dict.fromkeys(figures, 1), figures
    assert invoices[0]["pdf_sha256"]

    # Posting again, and re-exporting, converge on the same rows and the same object.
    again = await ledger.post_charge(request_id, invoices[0]["posted_at"])
    assert [i["id"] for i in again] == [posted["id"]]
    exported = io.StringIO()  # writ billing export --since <invoice date>
    await export_events(service_settings, invoices[0]["issued_on"], out=exported)
    assert any(posted["id"] in line for line in exported.getvalue().splitlines())
    assert await asyncio.to_thread(invoice_objects, s3, service_settings, posted["id"]) == events
    assert len(await ledger.list_invoices(request_id=request_id)) == 1
