"""Issue 13 defect 1 on the real worker: the officer's production notice and the customer
notice each go out, then the transaction marking them done fails; Temporal retries the
activities; each person has one message at the sink (tests/delivery/test_mail_exactly_once.py
covers each mail path and the sink on its own)."""

from __future__ import annotations

import pytest

from services.stack.mailsink import read_mailbox
from tests.delivery.test_mail_exactly_once import OFFICER, MarkFailsOnce
from tests.support import submission, submit, wait_for_status

pytestmark = pytest.mark.slow


async def test_a_production_whose_marks_fail_reaches_officer_and_customer_once(
    api, agency, mint, worker, lake, mailbox, register, monkeypatch
):
    """The whole path on the real worker: the officer's mail and the customer notice each
    go out, their marks fail, Temporal retries the activities, and each person has one."""
    failing = MarkFailsOnce(monkeypatch, "officer_notified", f"customer_notified:{lake.account_id}")
    body = submission(
        process_type="court_order_2703d",
        categories=["subscriber_info", "toll_records"],
        date_range={"start": lake.period_start, "end": lake.period_end},
        issued_on=lake.issued_on,
        return_date=None,
    )
    created = await submit(api, agency["headers"], body)
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    await wait_for_status(api, agency["headers"], request_id, {"in_review"})
    decided = await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "approve"},
        headers=mint("reviewer", sub="alice"),
    )
    assert decided.status_code == 200, decided.text
    final = await wait_for_status(api, agency["headers"], request_id, {"closed"}, timeout=120)
    assert final["production_available"] is True

    assert sorted(failing.failed) == sorted(
        ["officer_notified", f"customer_notified:{lake.account_id}"]
    )
    mail = [m for m in read_mailbox(mailbox.directory) if request_id in str(m["Message-ID"])]
    assert len([m for m in mail if m["To"] == OFFICER]) == 1
    assert len([m for m in mail if m["To"] == lake.email]) == 1
    attempts = {e.purpose: e.attempts for e in await register.outbox.for_request(request_id)}
    assert attempts["production-notice"] == 2 and attempts["customer-notice"] == 2
    assert await register.audit.verify() > 0
