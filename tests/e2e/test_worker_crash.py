"""A worker killed in the middle of delivering loses nothing and duplicates nothing the
agency sees: the production is disclosed once, the officer mailed once, and every webhook
attempt carries the same delivery id."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import http.server
import os
import signal
import subprocess
import sys
import threading

import msgspec
import pytest

from services.delivery.webhook import verify_webhook
from services.stack.mailsink import read_mailbox
from services.stack.stack import settings_environment
from services.workflows.worker import build_worker
from tests.e2e.own_register import own_register, own_register_url, own_settings  # noqa: F401
from tests.support import submission, submit, wait_for_status

pytestmark = pytest.mark.slow
SECRET = "agency-webhook-secret-0123456789"


@pytest.fixture(scope="module")
async def temporal_env(base_settings):
    """A real Temporal dev server: heartbeat timeouts of a killed worker's activity must
    fire in real time, as they do in production."""
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


class WebhookReceiver:
    """The agency's endpoint. The first call parks until the test has killed the worker."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.first_call = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(
                    {
                        "delivery_id": self.headers["Writ-Delivery-Id"],
                        "verified": verify_webhook(
                            SECRET.encode(),
                            self.headers["Writ-Signature"],
                            body,
                            dt.datetime.now(dt.UTC),
                        ),
                    }
                )
                if len(receiver.calls) == 1:
                    receiver.first_call.set()
                    receiver.release.wait(30)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/writ"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


def worker_process(settings, temporal_env) -> subprocess.Popen:
    """``writ worker`` as its own process, so it can be killed like a crashed host."""
    config = temporal_env.client.service_client.config
    # Every setting of the test's service, as the variables the child reads.
    env = settings_environment(
        msgspec.structs.replace(
            settings, temporal_address=config.target_host, smtp_port=settings.smtp_port
        )
    )
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(settings.data_dir, "crash-worker.log"), "ab"),  # noqa: SIM115
    )


async def test_worker_killed_mid_delivery_delivers_once(
    api, mint, lake, temporal_env, service_settings, register, mailbox
):
    receiver = WebhookReceiver()
    agency_id = "crash-pd"
    registered = await api.post(
        "/v1/agencies",
        json={
            "id": agency_id,
            "name": "Crash Test PD",
            "jurisdiction": "US-NC",
            "email_domains": ["crashpd.gov"],
            "callback_number": "+1 919 555 0188",
            "webhook_url": receiver.url,
            "webhook_secret": SECRET,
            "officers": [{"name": "Casey Crash", "email": "c.crash@crashpd.gov"}],
        },
        headers=mint("admin"),
    )
    assert registered.status_code in (201, 409), registered.text
    headers = mint("agency", sub="c.crash@crashpd.gov", agency=agency_id)

    first = worker_process(service_settings, temporal_env)
    try:
        body = submission(
            process_type="court_order_2703d",
            officer={"name": "Casey Crash", "email": "c.crash@crashpd.gov"},
            categories=["subscriber_info", "toll_records"],
            date_range={"start": lake.period_start, "end": lake.period_end},
            issued_on=lake.issued_on,
            return_date=None,
        )
        created = await submit(api, headers, body)
        request_id = created.json()["id"]
        await wait_for_status(api, headers, request_id, {"in_review"}, timeout=90)
        decided = await api.post(
            f"/v1/legal-processes/{request_id}/decisions",
            json={"action": "approve"},
            headers=mint("reviewer"),
        )
        assert decided.status_code == 200, decided.text

        assert await asyncio.to_thread(receiver.first_call.wait, 90), "the webhook was never called"
        first.send_signal(signal.SIGKILL)  # mid-delivery: the agency's endpoint has not answered
        first.wait(10)
        receiver.release.set()
    finally:
        if first.poll() is None:
            first.kill()

    # A new worker takes over once the dead one's heartbeat times out (30 s).
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
        async with build_worker(temporal_env.client, service_settings, register, executor=executor):
            final = await wait_for_status(api, headers, request_id, {"closed"}, timeout=120)
    receiver.close()

    assert final["outcome"] == "produced"
    assert len(receiver.calls) >= 2  # the first attempt died before the agency answered
    assert {c["delivery_id"] for c in receiver.calls} == {receiver.calls[0]["delivery_id"]}
    assert all(c["verified"] for c in receiver.calls)
    disclosures = [
        d
        for d in (await api.get("/v1/disclosures", headers=mint("auditor"))).json()
        if d["request_id"] == request_id
    ]
    assert len(disclosures) == 1
    officer_mail = [
        m
        for m in read_mailbox(mailbox.directory)
        if m["To"] == "c.crash@crashpd.gov" and request_id in str(m["Subject"])
    ]
    assert len(officer_mail) == 1
    trail = [
        e["action"]
        for e in (
            await api.get(f"/v1/legal-processes/{request_id}/audit", headers=mint("auditor"))
        ).json()
    ]
    assert trail.count("webhook_acknowledged") == 1
