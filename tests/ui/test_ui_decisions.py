"""Deciding from the review UI: CSRF, roles, and the workflow's refusals shown as messages."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import wait_for_status
from tests.ui.conftest import csrf_from, ui_login

pytestmark = pytest.mark.slow
TARGET = "+19195550100"


async def test_a_decision_without_the_right_csrf_token_is_refused_and_changes_nothing(
    api, agency, mint, in_review
):
    await ui_login(api, mint("reviewer", sub="alice"))
    page = await api.get(f"/ui/requests/{in_review}")
    assert page.status_code == 200
    trail_before = (
        await api.get(f"/v1/legal-processes/{in_review}/audit", headers=mint("auditor"))
    ).json()

    url = f"/ui/requests/{in_review}/decisions"
    missing = await api.post(url, data={"action": "approve"})
    wrong = await api.post(url, data={"action": "approve", "csrf_token": "x" * 43})
    assert missing.status_code == 403 and wrong.status_code == 403
    assert "CSRF" in missing.text and "CSRF" in wrong.text
    api.cookies.delete("writ_csrf")  # the field alone, with no cookie to match, is refused too
    lone_field = await api.post(url, data={"action": "approve", "csrf_token": csrf_from(page.text)})
    assert lone_field.status_code == 403

    await asyncio.sleep(0.5)
    state = await wait_for_status(api, agency["headers"], in_review, {"in_review"}, timeout=1)
    assert state["status"] == "in_review"
    trail_after = (
        await api.get(f"/v1/legal-processes/{in_review}/audit", headers=mint("auditor"))
    ).json()
    assert trail_after == trail_before


async def test_an_auditor_reads_but_sees_no_decision_forms(api, agency, mint, in_review):
    await ui_login(api, mint("auditor", sub="carol"))
    queue = await api.get("/ui/", params={"q": agency["id"]})  # the queue is paged
    assert in_review in queue.text
    page = await api.get(f"/ui/requests/{in_review}")
    assert page.status_code == 200
    assert "Determination" in page.text and "Audit trail" in page.text
    assert "/decisions" not in page.text and ">Approve<" not in page.text
    assert "cannot decide" in page.text or "not decide" in page.text
    refused = await api.post(
        f"/ui/requests/{in_review}/decisions",
        data={"action": "approve", "csrf_token": csrf_from(page.text)},
    )
    assert refused.status_code == 403


async def test_the_queue_lists_the_request_without_its_targets(api, agency, mint, in_review):
    await ui_login(api, mint("reviewer", sub="alice"))
    queue = await api.get(
        "/ui/",
        params={"process_type": "court_order_2703d", "emergency": "false", "q": agency["id"]},
    )
    assert queue.status_code == 200
    assert f'href="/ui/requests/{in_review}"' in queue.text
    for shown in (TARGET, "919) 555-0100", "9195550100"):
        assert shown not in queue.text
    emergencies = await api.get("/ui/", params={"emergency": "true"})
    assert in_review not in emergencies.text
    detail = await api.get(f"/ui/requests/{in_review}")
    assert TARGET in detail.text  # the staff's job; shown on the page, never in a URL
    assert "18 U.S.C." in detail.text or "§" in detail.text  # reasons cite their authority


async def test_reject_then_a_refused_approval_is_a_message_not_a_stack_trace(
    api, agency, mint, in_review
):
    await ui_login(api, mint("reviewer", sub="alice"))
    page = await api.get(f"/ui/requests/{in_review}")
    token = csrf_from(page.text)
    url = f"/ui/requests/{in_review}/decisions"

    rejected = await api.post(
        url,
        data={
            "csrf_token": token,
            "action": "reject",
            "reason_code": "overbroad",
            "note": "narrow the range <b>please</b>",
        },
    )
    assert (
        rejected.status_code == 303 and rejected.headers["location"] == f"/ui/requests/{in_review}"
    )
    shown = await api.get(rejected.headers["location"])
    assert "Decision recorded: rejected" in shown.text
    await wait_for_status(api, agency["headers"], in_review, {"rejected"})
    assert "<b>please</b>" not in (await api.get(f"/ui/requests/{in_review}")).text  # autoescaped

    again = await api.post(url, data={"csrf_token": token, "action": "approve"})
    assert again.status_code == 303
    refused = await api.get(again.headers["location"])
    assert refused.status_code == 200
    assert "Not recorded:" in refused.text and 'class="flash error"' in refused.text
    assert "Traceback" not in refused.text

    invalid = await api.post(
        url, data={"csrf_token": token, "action": "reject", "reason_code": "bored"}
    )
    assert invalid.status_code == 303
    assert "Not recorded:" in (await api.get(invalid.headers["location"])).text
