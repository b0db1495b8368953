"""Cost recovery end to end (docs/billing.md) on real parts: the API, the real worker on a
time-skipping Temporal test server of this module's own (it skips 181 days), SeaweedFS,
the carrier lake, the mail sink, and the register on SQLite and PostgreSQL.

- an auto-approved subpoena is produced and billed once to the account that held the
  number: ledger rows, the PDF with its digest, one billing event, one mail; the customer
  sees it, another customer does not; a dispute is accepted into an exported credit note;
- a §2703(d) order under a §2705(b) order ending in 180 days shows the customer nothing
  (API, mail, S3 events) until it ends, then exactly one invoice;
- an indefinite order holds the charge until legal releases it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json

import pytest

from contracts.billing import BillingState
from services.register.billing import BillingLedger, BillingRefused
from services.stack.mailsink import read_mailbox
from services.workflows.billing.workflows import BillingWorkflow, billing_workflow_id
from tests.support import submission, submit, wait_for_status

pytestmark = pytest.mark.slow
EVENTS = "billing-events/"


@pytest.fixture(scope="module")
async def temporal_env(base_settings, temporal_test_server_path):
    """Skipping 181 days must not move the clock under the other end-to-end tests."""
    from tests.conftest import start_test_server

    env = await start_test_server(base_settings, temporal_test_server_path)
    yield env
    await env.shutdown()


@pytest.fixture
def service_settings(settings, task_queue, tmp_path):
    """The provider domiciled in North Carolina, so a Raleigh subpoena for subscriber
    information is the auto-approved class (services/decisions/policy.py)."""
    import msgspec

    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"domicile_state": "US-NC"}))
    return msgspec.structs.replace(settings, task_queue=task_queue, policy_file=str(policy))


async def invoices_for(api, headers, request_id: str) -> list[dict]:
    response = await api.get("/v1/invoices", params={"limit": 200}, headers=headers)
    assert response.status_code == 200, response.text
    return [i for i in response.json()["items"] if i["request_reference"] == request_id]


async def wait_for_invoice(api, mint, request_id: str, timeout: float = 90.0) -> dict:
    """The request's one invoice, once its PDF is stored too."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await invoices_for(api, mint("billing", sub="bill"), request_id)
        assert len(found) <= 1, found
        if found and found[0]["pdf_sha256"]:
            return found[0]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no invoice for {request_id}")
        await asyncio.sleep(0.25)


async def billing_state(temporal_env, request_id: str, wanted: str, timeout: float = 60.0):
    handle = temporal_env.client.get_workflow_handle_for(
        BillingWorkflow.run, billing_workflow_id(request_id)
    )
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            state: BillingState = await handle.query(BillingWorkflow.state)
            if state.stage == wanted:
                return state
        except Exception:  # noqa: BLE001 - not started yet
            state = None
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"billing of {request_id} never reached {wanted}: {state}")
        await asyncio.sleep(0.25)


def event_objects(s3, settings, invoice_id: str) -> list[dict]:
    listed = s3.list_objects_v2(Bucket=settings.documents_bucket, Prefix=EVENTS)
    keys = [o["Key"] for o in listed.get("Contents", []) if invoice_id in o["Key"]]
    return [
        {
            "key": k,
            **json.loads(s3.get_object(Bucket=settings.documents_bucket, Key=k)["Body"].read()),
        }
        for k in keys
    ]


def request_event_count(s3, settings, request_id: str) -> int:
    listed = s3.list_objects_v2(Bucket=settings.documents_bucket, Prefix=EVENTS)
    count = 0
    for o in listed.get("Contents", []):
        body = s3.get_object(Bucket=settings.documents_bucket, Key=o["Key"])["Body"].read()
        count += request_id.encode() in body
    return count


def invoice_mail(mailbox, invoice_id: str | None = None, to: str | None = None) -> list:
    return [
        m
        for m in read_mailbox(mailbox.directory)
        if str(m["Subject"]).startswith("Invoice ")
        and (invoice_id is None or invoice_id in str(m["Subject"]))
        and (to is None or m["To"] == to)
    ]


async def test_auto_approved_subpoena_is_billed_once_to_the_holder(
    api, agency, mint, worker, lake, temporal_env, mailbox, register, s3, service_settings
):
    body = submission(
        date_range={"start": lake.period_start, "end": lake.period_end},
        issued_on=lake.issued_on,
    )
    created = await submit(api, agency["headers"], body)
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    final = await wait_for_status(api, agency["headers"], request_id, {"closed"}, timeout=90)
    assert final["outcome"] == "produced"

    invoice = await wait_for_invoice(api, mint, request_id)
    await billing_state(temporal_env, request_id, "posted")
    assert invoice["account_id"] == lake.account_id
    assert (invoice["currency"], invoice["legal_entity"], invoice["status"]) == (
        "USD",
        "us",
        "open",
    )
    lines = {line["item"]: line for line in invoice["lines"]}
    assert lines["per_request"]["amount"] == 2500  # the July 2026 card: received in December
    assert lines["per_target"]["amount"] == 1000
    assert lines["records"]["quantity"] == 1  # a handful of records: one started thousand
    assert invoice["total"] == 2500 + 1000 + 500
    assert "+1919" not in json.dumps(invoice)  # lines carry counts, never the targets

    # The ledger: one invoice for the request, its lines; the posting is audited once.
    ledger = BillingLedger(register.engine)
    rows = await ledger.list_invoices(request_id=request_id)
    assert [r["id"] for r in rows] == [invoice["id"]] and len(rows[0]["lines"]) == 3
    trail = (
        await api.get(f"/v1/legal-processes/{request_id}/audit", headers=mint("auditor"))
    ).json()
    actions = [e["action"] for e in trail]
    assert actions.count("invoice_posted") == 1 and actions.count("charge_prepared") == 1

    # The PDF, stored with its digest; one billing event under the dated prefix; one mail.
    pdf = await api.get(
        f"/v1/invoices/{invoice['id']}", params={"format": "pdf"}, headers=mint("billing")
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == invoice["pdf_sha256"]
    events = await asyncio.to_thread(event_objects, s3, service_settings, invoice["id"])
    assert len(events) == 1
    issued = dt.date.fromisoformat(invoice["issued_on"])
    assert events[0]["key"] == f"{EVENTS}{issued:%Y/%m/%d}/{invoice['id']}.jsonl"
    assert (events[0]["kind"], events[0]["total"]) == ("invoice", invoice["total"])
    assert events[0]["pdf_sha256"] == invoice["pdf_sha256"]
    mail = invoice_mail(mailbox, invoice["id"])
    assert len(mail) == 1 and mail[0]["To"] == lake.email

    # Who sees it: the holder's customer token yes; another customer's, a reviewer's, no.
    own = mint("customer", sub="holder", account=lake.account_id)
    assert [i["id"] for i in await invoices_for(api, own, request_id)] == [invoice["id"]]
    other = mint("customer", sub="other", account="ACSOMEONEELSE")
    assert await invoices_for(api, other, request_id) == []
    assert (await api.get(f"/v1/invoices/{invoice['id']}", headers=other)).status_code == 404
    spying = await api.get("/v1/invoices", params={"customer": lake.account_id}, headers=other)
    assert spying.status_code == 403 and spying.json()["field"] == "customer"
    assert (await api.get("/v1/invoices", headers=mint("reviewer"))).status_code == 403
    bad_period = await api.get(
        "/v1/invoices", params={"period": "2026-13"}, headers=mint("billing")
    )
    assert bad_period.status_code == 400 and bad_period.json()["field"] == "period"

    # A dispute inside the window, accepted into a credit note exported like an invoice.
    disputed = await api.post(
        f"/v1/invoices/{invoice['id']}/disputes",
        json={"reason": "Review time looks high.", "amount": 500},
        headers=own,
    )
    assert disputed.status_code == 201, disputed.text
    dispute = disputed.json()
    assert (await api.post(f"/v1/invoices/{invoice['id']}/disputes", json={"reason": "x"},
                           headers=other)).status_code == 404  # fmt: skip
    not_billing = await api.post(
        f"/v1/disputes/{dispute['id']}/decision", json={"action": "accept"}, headers=own
    )
    assert not_billing.status_code == 403
    decided = await api.post(
        f"/v1/disputes/{dispute['id']}/decision", json={"action": "accept"}, headers=mint("billing")
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "accepted" and decided.json()["credit_note_id"]
    note_events = await asyncio.to_thread(
        event_objects, s3, service_settings, decided.json()["credit_note_id"]
    )
    assert [(e["kind"], e["total"]) for e in note_events] == [("credit_note", -500)]
    reread = (await api.get(f"/v1/invoices/{invoice['id']}", headers=own)).json()
    assert (reread["status"], reread["credited"]) == ("credited", 500)

    # After 30 days a dispute is refused, with the reason.
    late = dt.datetime.combine(issued + dt.timedelta(days=31), dt.time(), tzinfo=dt.UTC)
    with pytest.raises(BillingRefused, match="dispute window closed"):
        await ledger.open_dispute(invoice["id"], opened_by="holder", reason="late", amount=None,
                                  now=late)  # fmt: skip
    # A decline needs a reason; a correcting credit note by billing staff is audited.
    again = await ledger.open_dispute(
        invoice["id"],
        opened_by="holder",
        reason="again",
        amount=100,
        now=late - dt.timedelta(days=2),
    )
    declined = await api.post(
        f"/v1/disputes/{again['id']}/decision", json={"action": "decline"}, headers=mint("billing")
    )
    assert declined.status_code == 422 and declined.json()["field"] == "reason"
    declined = await api.post(
        f"/v1/disputes/{again['id']}/decision",
        json={"action": "decline", "reason": "The number was yours throughout."},
        headers=mint("billing"),
    )
    assert declined.json()["status"] == "declined"
    corrected = await api.post(
        f"/v1/invoices/{invoice['id']}/credit-notes",
        json={"reason": "Billed to the wrong account."},
        headers=mint("billing", sub="bill"),
    )
    assert corrected.status_code == 201 and corrected.json()["amount"] == invoice["total"] - 500
    trail = (
        await api.get(f"/v1/legal-processes/{request_id}/audit", headers=mint("auditor"))
    ).json()
    credit_actions = [e for e in trail if e["action"] == "credit_note_posted"]
    assert [e["actor"] for e in credit_actions] == ["tester", "bill"]


async def test_ndo_for_180_days_shows_the_customer_nothing_until_it_ends(
    api, agency, mint, worker, lake, temporal_env, mailbox, register, s3, service_settings
):
    today = (await temporal_env.get_current_time()).date()
    ends_on = today + dt.timedelta(days=180)
    body = submission(
        process_type="court_order_2703d",
        categories=["subscriber_info", "toll_records", "detail_records"],
        date_range={"start": lake.period_start, "end": lake.period_end},
        issued_on=lake.issued_on,
        return_date=None,
        non_disclosure_order={"authority": "Wake County Superior Court", "ends_on": str(ends_on)},
    )
    created = await submit(api, agency["headers"], body)
    request_id = created.json()["id"]
    await wait_for_status(api, agency["headers"], request_id, {"in_review"}, timeout=90)
    decided = await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "approve", "minutes": 20},
        headers=mint("reviewer", sub="alice"),
    )
    assert decided.status_code == 200, decided.text
    await wait_for_status(api, agency["headers"], request_id, {"delivered"}, timeout=90)
    held = await billing_state(temporal_env, request_id, "held")
    assert held.hold.kind == "ndo_until"

    # While the order is in force: no invoice, no event, no mail; a count for billing staff.
    customer = mint("customer", account=lake.account_id)
    assert await invoices_for(api, customer, request_id) == []
    assert await invoices_for(api, mint("billing"), request_id) == []
    assert await asyncio.to_thread(request_event_count, s3, service_settings, request_id) == 0
    summary = (await api.get("/v1/billing/summary", headers=mint("billing"))).json()
    assert summary["held_count"] >= 1 and request_id not in json.dumps(summary)
    mailed_before = len(invoice_mail(mailbox, to=lake.email))

    await temporal_env.sleep(dt.timedelta(days=181))
    invoice = await wait_for_invoice(api, mint, request_id)
    await billing_state(temporal_env, request_id, "posted")
    assert dt.date.fromisoformat(invoice["issued_on"]) > ends_on
    lines = {line["item"]: line for line in invoice["lines"]}
    assert lines["reviewer_time"]["quantity"] == 2  # 20 minutes: two started quarter hours
    assert [i["id"] for i in await invoices_for(api, customer, request_id)] == [invoice["id"]]
    assert await asyncio.to_thread(request_event_count, s3, service_settings, request_id) == 1
    assert len(invoice_mail(mailbox, to=lake.email)) == mailed_before + 1


async def test_indefinite_ndo_holds_until_legal_releases(
    api, agency, mint, worker, lake, temporal_env, mailbox, register, s3, service_settings
):
    body = submission(
        date_range={"start": lake.period_start, "end": lake.period_end},
        issued_on=lake.issued_on,
        non_disclosure_order={"authority": "Wake County Superior Court", "ends_on": None},
    )
    created = await submit(api, agency["headers"], body)
    request_id = created.json()["id"]
    await wait_for_status(api, agency["headers"], request_id, {"closed"}, timeout=90)
    await billing_state(temporal_env, request_id, "held")
    assert await invoices_for(api, mint("billing"), request_id) == []

    path = f"/v1/legal-processes/{request_id}/billing-release"
    body = {"reason": "Order lifted by Wake County Superior Court."}
    assert (await api.post(path, json=body, headers=mint("reviewer"))).status_code == 403
    missing = await api.post(path, json={}, headers=mint("legal", sub="lee"))
    assert missing.status_code in (400, 422) and "reason" in missing.json().get("field", "")
    released = await api.post(path, json=body, headers=mint("legal", sub="lee"))
    assert released.status_code == 200, released.text
    assert released.json()["released_by"] == "lee"

    invoice = await wait_for_invoice(api, mint, request_id)
    await billing_state(temporal_env, request_id, "posted")
    assert await asyncio.to_thread(request_event_count, s3, service_settings, request_id) == 1
    again = await api.post(path, json=body, headers=mint("legal", sub="lee"))
    assert again.status_code == 409
    trail = (
        await api.get(f"/v1/legal-processes/{request_id}/audit", headers=mint("auditor"))
    ).json()
    assert [e["actor"] for e in trail if e["action"] == "billing_released"] == ["lee"]
    assert invoice["total"] > 0


async def test_reimbursement_requested_bills_the_agency_separately(
    api, agency, mint, worker, lake, temporal_env, mailbox, register, s3, service_settings
):
    """18 U.S.C. §2706: session records are reimbursable; the agency gets its own invoice,
    mailed to the billing contact it named; the customer sees only its own."""
    body = submission(
        categories=["subscriber_info", "session_records"],
        date_range={"start": lake.period_start, "end": lake.period_end},
        issued_on=lake.issued_on,
        reimbursement={"requested": True, "billing_contact_email": "ap@raleighpd.gov"},
    )
    created = await submit(api, agency["headers"], body)
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    await wait_for_status(api, agency["headers"], request_id, {"closed"}, timeout=90)
    await billing_state(temporal_env, request_id, "posted")
    invoices = await invoices_for(api, mint("billing"), request_id)
    by_account = {i["account_id"]: i for i in invoices}
    assert set(by_account) == {lake.account_id, f"agency:{agency['id']}"}
    agency_invoice = by_account[f"agency:{agency['id']}"]
    assert "session_records" in agency_invoice["lines"][0]["description"]
    assert invoice_mail(mailbox, agency_invoice["id"], to="ap@raleighpd.gov")
    customer = mint("customer", account=lake.account_id)
    assert [i["account_id"] for i in await invoices_for(api, customer, request_id)] == [
        lake.account_id
    ]
