"""``writ agency …`` against the app over real HTTP, with the real worker, lake and
Temporal test server: the id captured from ``submit``, ``status --wait`` polling, the
answer to a reviewer's question, a withdrawal, and the production downloaded and verified
against the provider's published keys."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support import MINIMAL_PDF, submission

pytestmark = pytest.mark.slow
WRIT = str(Path(sys.executable).with_name("writ"))


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def writ_agency(served, agency):
    """``await writ_agency("status", id)`` -> (exit code, stdout, stderr): the installed
    ``writ`` command in its own process, as an integrator runs it."""

    async def run(*argv: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            WRIT,
            "agency",
            *argv,
            env={**os.environ, "WRIT_API_URL": served, "WRIT_TOKEN": token_of(agency["headers"])},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=180)
        return proc.returncode, out.decode().strip(), err.decode().strip()

    return run


@pytest.fixture
def files(tmp_path: Path, lake):
    def write(**overrides) -> tuple[str, str]:
        body = submission(
            process_type="court_order_2703d",
            categories=["subscriber_info", "toll_records"],
            date_range={"start": lake.period_start, "end": lake.period_end},
            issued_on=lake.issued_on,
            return_date=None,
            **overrides,
        )
        metadata = tmp_path / f"{body['case_number']}.json"
        metadata.write_text(json.dumps(body))
        document = tmp_path / "order.pdf"
        document.write_bytes(MINIMAL_PDF)
        return str(metadata), str(document)

    return write


async def test_submit_follow_and_download_a_verified_production(
    writ_agency, files, api, mint, worker, tmp_path
):
    metadata, document = files()
    code, request_id, err = await writ_agency(
        "submit", "--metadata", metadata, "--document", document, "--idempotency-key", "cli-1"
    )
    assert code == 0, err
    assert request_id.startswith("lp_") and "\n" not in request_id

    code, out, err = await writ_agency("status", request_id, "--wait", "in_review")
    assert code == 0, err
    assert out == f"{request_id} in_review"

    decided = await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "approve"},
        headers=mint("reviewer", sub="alice"),
    )
    assert decided.status_code == 200, decided.text
    code, out, err = await writ_agency("status", request_id, "--wait", "closed", "--timeout", "120")
    assert code == 0, (out, err)
    assert out.startswith(f"{request_id} closed outcome=")

    target = tmp_path / "production.zip"
    code, out, err = await writ_agency("download", request_id, "-o", str(target))
    assert code == 0, err
    assert "intact" in out and f"(request {request_id})" in out
    assert "manifest.json" in zipfile.ZipFile(target).namelist()


async def test_a_download_of_a_tampered_package_fails_verification(
    writ_agency, files, api, mint, worker, tmp_path, register, s3, service_settings
):
    metadata, document = files()
    _, request_id, _ = await writ_agency("submit", "--metadata", metadata, "--document", document)
    await writ_agency("status", request_id, "--wait", "in_review")
    await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "approve"},
        headers=mint("reviewer", sub="alice"),
    )
    await writ_agency("status", request_id, "--wait", "closed", "--timeout", "120")
    # Point the register at a package whose manifest does not match (the stored one is locked).
    record = await register.legal_processes.get(request_id)
    original = await asyncio.to_thread(
        s3.get_object, Bucket=service_settings.productions_bucket, Key=record.production_key
    )
    tampered_zip = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered_zip, "w") as out:
        with zipfile.ZipFile(io.BytesIO(original["Body"].read())) as source:
            for name in source.namelist():
                data = source.read(name)
                out.writestr(name, data + b"x" if name == "records.json" else data)
    key = record.production_key + ".tampered"
    await asyncio.to_thread(
        s3.put_object,
        Bucket=service_settings.productions_bucket,
        Key=key,
        Body=tampered_zip.read_bytes(),
    )
    await register.legal_processes.set_production(request_id, key, actor="test")

    code, out, err = await writ_agency("download", request_id, "-o", str(tmp_path / "p.zip"))
    assert code == 1
    assert "NOT intact" in err and "records.json" in err


async def test_answer_a_question_then_withdraw(writ_agency, files, api, mint, worker):
    metadata, document = files()
    _, request_id, _ = await writ_agency("submit", "--metadata", metadata, "--document", document)
    await writ_agency("status", request_id, "--wait", "in_review")
    asked = await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "ask_agency", "question": "Which account holder do you mean?"},
        headers=mint("reviewer", sub="alice"),
    )
    assert asked.status_code == 200, asked.text
    code, out, _ = await writ_agency("status", request_id, "--wait", "awaiting_agency")
    assert code == 0
    assert "question='Which account holder do you mean?'" in out

    code, out, err = await writ_agency(
        "respond", request_id, "--text", "The holder of (919) 555-0100."
    )
    assert code == 0, err
    code, out, _ = await writ_agency("status", request_id, "--wait", "in_review")
    assert code == 0, out

    code, out, err = await writ_agency("withdraw", request_id, "--reason", "filed in error")
    assert code == 0, err
    code, out, _ = await writ_agency("status", request_id, "--wait", "withdrawn")
    assert code == 0, out


async def test_a_refused_submission_names_the_field(writ_agency, files):
    metadata, document = files(targets=[{"kind": "telephone_number", "value": "555-01"}])
    code, out, err = await writ_agency("submit", "--metadata", metadata, "--document", document)
    assert code == 1 and out == ""
    assert "HTTP 422 [targets[0].value]" in err
