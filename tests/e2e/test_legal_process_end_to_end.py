"""The walking skeleton, end to end on real parts: the API app, the Temporal test server
with the real worker and activities, SeaweedFS, the carrier lake read by DuckDB, the mail
sink, and the register on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile

import pytest

from services.carrier.collector import collection_prefix
from services.platform.objectstore import s3_client
from services.stack.mailsink import read_mailbox
from tests.support import submission, submit, wait_for_status

TARGET = "+19195550100"
pytestmark = pytest.mark.slow


async def test_submit_review_approve_collect_deliver(
    api, agency, mint, worker, lake, temporal_env, mailbox, register, service_settings
):
    body = submission(
        process_type="court_order_2703d",
        targets=[{"kind": "telephone_number", "value": "(919) 555-0100"}],
        categories=["subscriber_info", "toll_records", "detail_records", "content"],
        date_range={"start": lake.period_start, "end": lake.period_end},
        issued_on=lake.issued_on,
        return_date=None,
    )
    created = await submit(api, agency["headers"], body, extra_headers={"Idempotency-Key": "e2e-1"})
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]

    state = await wait_for_status(api, agency["headers"], request_id, {"in_review"})
    determination = state["determination"]
    assert "content" in determination["denied_categories"]  # a §2703(d) order never reaches content
    assert set(determination["allowed_categories"]) == {
        "subscriber_info",
        "toll_records",
        "detail_records",
    }

    # The suite's register is shared: the agency's own open requests are one page.
    queue = await api.get(
        "/v1/review-queue",
        headers=mint("reviewer", sub="alice"),
        params={"agency_id": agency["id"]},
    )
    assert request_id in {item["id"] for item in queue.json()["items"]}

    decided = await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "approve"},
        headers=mint("reviewer", sub="alice"),
    )
    assert decided.status_code == 200, decided.text

    final = await wait_for_status(api, agency["headers"], request_id, {"closed", "rejected"})
    assert final["status"] == "closed"
    assert final["outcome"] == "partially_produced"  # content was asked for and refused
    assert final["production_available"] is True

    download = await api.get(
        f"/v1/legal-processes/{request_id}/production", headers=agency["headers"]
    )
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = set(archive.namelist())
    assert {
        "manifest.json",
        "records.json",
        "certificate.pdf",
        "subscriber_info.csv",
        "toll_records.csv",
    } <= names
    assert "content.csv" not in names
    toll_header = archive.read("toll_records.csv").decode().splitlines()[0]
    assert "duration_seconds" in toll_header and "trunk_id" not in toll_header

    other_agency = mint("agency", agency="someone-else")
    assert (
        await api.get(f"/v1/legal-processes/{request_id}/production", headers=other_agency)
    ).status_code == 404

    disclosures = (await api.get("/v1/disclosures", headers=mint("auditor"))).json()
    assert any(d["request_id"] == request_id and TARGET in d["targets"] for d in disclosures)

    # The workflow's state says "closed" a moment before its record_status activity has
    # written the register's closing event: read the trail once that is in.
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        trail = (
            await api.get(f"/v1/legal-processes/{request_id}/audit", headers=mint("auditor"))
        ).json()
        actions = [e["action"] for e in trail]
        if "status:closed" in actions or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.2)
    for expected in (
        "received",
        "status:in_review",
        "status:approved",
        "disclosed",
        "production_downloaded",
        "status:closed",
    ):
        assert expected in actions, actions
    assert await register.audit.verify() > 0

    # Issue 13 defect 4: the collected working copies do not outlive the delivery.
    assert "collection_deleted" in actions
    left = s3_client(service_settings).list_objects_v2(
        Bucket=service_settings.documents_bucket, Prefix=collection_prefix(request_id)
    )
    assert left.get("KeyCount", 0) == 0

    mail = [m for m in read_mailbox(mailbox.directory) if request_id in str(m["Subject"])]
    officer = [m for m in mail if m["To"] == "j.doe@raleighpd.gov"]
    assert len(officer) == 1
    assert TARGET not in officer[0].get_content()
    customer = [m for m in mail if m["To"] == lake.email]  # no NDO: the account holder is told
    assert len(customer) == 1
    assert lake.account_id in customer[0].get_content()
    assert f"customer_notified:{lake.account_id}" in actions

    # The payload codec: Temporal's own store holds no plaintext of the identifiers.
    history = await temporal_env.client.get_workflow_handle(request_id).fetch_history()
    raw = json.dumps(json.loads(history.to_json()))
    for plaintext in (TARGET, "19195550100", "j.doe@raleighpd.gov", body["case_number"]):
        assert plaintext not in raw


async def test_rejected_request_is_closed_with_the_reason(api, agency, mint, worker, lake):
    body = submission(
        process_type="court_order_2703d",
        categories=["detail_records"],
        date_range={"start": lake.period_start, "end": lake.period_end},
        issued_on=lake.issued_on,
        return_date=None,
    )
    request_id = (await submit(api, agency["headers"], body)).json()["id"]
    await wait_for_status(api, agency["headers"], request_id, {"in_review"})
    decided = await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "reject", "reason_code": "overbroad", "note": "narrow the range"},
        headers=mint("reviewer", sub="alice"),
    )
    assert decided.status_code == 200
    final = await wait_for_status(api, agency["headers"], request_id, {"rejected"})
    assert final["outcome"] == "rejected"
    again = await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "approve"},
        headers=mint("reviewer", sub="bob"),
    )
    assert again.status_code == 409
