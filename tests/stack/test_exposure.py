"""Personal data stays where it belongs: after a whole request on ``writ up`` with the demo
lake (submitted, reviewed, collected, delivered, downloaded, the customer notified), no log
file of any process and no workflow history holds the demo subscriber's number (in any
spelling), name, address, email, payment detail or account id, nor the officer's email.
The stack is the session's shared one, so its logs hold whatever the other stack tests
ran on it as well (the README walk-through's two requests, a crash and restart)."""

from __future__ import annotations

import io
import json
import subprocess
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from services.carrier.synthetic.demo import DEMO_ACCOUNT, demo_fixtures
from services.intake.auth.tokens import mint_local_token
from services.platform.settings import Settings
from tests.stack.writ_up_process import SharedStack, minimal_pdf

pytestmark = pytest.mark.slow

OFFICER = "j.doe@raleighpd.gov"
AGENCY_ID = "exposure-pd"
SUBMISSION = {
    "process_type": "court_order_2703d",
    "issuer": {"kind": "state", "name": "Wake County Superior Court", "jurisdiction": "US-NC"},
    "issued_on": "2026-11-02",
    "officer": {"name": "Jordan Doe", "email": OFFICER},
    "case_number": "2026-CR-EXPOSURE",
    "targets": [{"kind": "telephone_number", "value": "(919) 555-0100"}],
    "categories": ["subscriber_info", "toll_records"],
    "date_range": {"start": "2026-08-01", "end": "2026-10-31"},
    "return_date": "2026-12-15",
}


def personal_data() -> list[str]:
    subscriber = demo_fixtures()["subscribers"][0]
    spellings = ["+19195550100", "19195550100", "9195550100", "919-555-0100", "(919) 555-0100"]
    spellings += ["919 555 0100", "919.555.0100"]
    details = [subscriber[k] for k in ("name", "address_line1", "email", "payment_reference")]
    return [*spellings, *details, DEMO_ACCOUNT, OFFICER]


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [needle for needle in personal_data() if needle.lower() in lowered]


def wait_status(api: str, headers: dict, request_id: str, wanted: set[str], timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(f"{api}/v1/legal-processes/{request_id}", headers=headers, timeout=30)
        if body.json()["status"] in wanted:
            return body.json()
        time.sleep(0.5)
    pytest.fail(f"{request_id} never reached {wanted}: {body.text}")


def test_no_personal_data_in_logs_or_histories(shared_stack: SharedStack) -> None:
    stack = shared_stack.running()
    data_dir, ports = shared_stack.data_dir, shared_stack.ports
    settings = Settings(data_dir=str(data_dir), api_port=ports["--api-port"])

    def bearer(role: str, sub: str, agency: str | None = None) -> dict:
        token = mint_local_token(settings, subject=sub, roles=[role], agency_id=agency)
        return {"Authorization": f"Bearer {token}"}

    agency = bearer("agency", OFFICER, AGENCY_ID)
    created = httpx.post(
        f"{stack.api}/v1/agencies",
        headers=bearer("admin", "admin"),
        json={
            "id": AGENCY_ID,
            "name": "Raleigh Police Department",
            "jurisdiction": "US-NC",
            "email_domains": ["raleighpd.gov"],
            "callback_number": "+1 919 555 0199",
            "officers": [{"name": "Jordan Doe", "email": OFFICER}],
        },
        timeout=30,
    )
    assert created.status_code == 201, created.text
    submitted = httpx.post(
        f"{stack.api}/v1/legal-processes",
        headers=agency,
        files={
            "metadata": (None, json.dumps(SUBMISSION).encode(), "application/json"),
            "document": ("order.pdf", minimal_pdf(), "application/pdf"),
        },
        timeout=60,
    )
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()["id"]
    state = wait_status(stack.api, agency, request_id, {"in_review", "closed"})
    if state["status"] == "in_review":
        decided = httpx.post(
            f"{stack.api}/v1/legal-processes/{request_id}/decisions",
            headers=bearer("reviewer", "alice"),
            json={"action": "approve"},
            timeout=60,
        )
        assert decided.status_code == 200, decided.text
    state = wait_status(stack.api, agency, request_id, {"closed"}, timeout=180)
    assert state["outcome"] in {"produced", "partially_produced"}, state
    download = httpx.get(
        f"{stack.api}/v1/legal-processes/{request_id}/production", headers=agency, timeout=60
    )
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as package:
        produced = b"".join(package.read(name) for name in package.namelist())
    assert leaks(produced.decode(errors="replace")), (
        "the production itself carries the records, so the search below can find them"
    )

    temporal = Path(stack_ports_binary())
    history = subprocess.run(
        [
            str(temporal),
            "workflow",
            "show",
            "--workflow-id",
            request_id,
            "--address",
            f"127.0.0.1:{ports['--temporal-port']}",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert '"eventType"' in history or "EVENT_TYPE" in history, history[:500]
    assert leaks(history) == [], "workflow history holds personal data in plaintext"
    # Stopped, so every process has written all it will (the next test starts it again).
    shared_stack.stop()

    logs = sorted((data_dir / "logs").glob("*.log"))
    assert {p.stem for p in logs} >= {"api", "worker", "temporal", "seaweedfs", "mailsink"}
    found = {p.name: leaks(p.read_text(errors="replace")) for p in logs}
    assert {name: hits for name, hits in found.items() if hits} == {}
    # The supervisor's terminal output is a log as well. Its one deliberate mention is the
    # first-start line naming the fictional demo number the README walks through.
    terminal = [
        line
        for line in shared_stack.output.splitlines()
        if leaks(line) and "demo carrier lake generated" not in line
    ]
    assert terminal == []


def stack_ports_binary() -> str:
    import shutil
    import sys

    return shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
