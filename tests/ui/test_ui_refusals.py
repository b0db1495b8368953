"""Drafted refusals in the review UI (issue 11 item 2, issue 14 item 3): the page shows the
machine's refusal with its reasons and the answer drafted for the agency, and a reviewer
confirms it (the request ends rejected) or overrides it (back in review with the scope the
reviewer names). Nothing asked for is refused for good without a person."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import submission, submit, wait_for_status
from tests.ui.conftest import csrf_from, ui_login

pytestmark = pytest.mark.slow


async def _awaiting_refusal(api, agency, mint, categories: list[str]) -> str:
    created = await submit(api, agency["headers"], submission(categories=categories))
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    staff = mint("reviewer", sub="rita")
    await wait_for_status(api, staff, request_id, {"in_review"})
    for _ in range(100):  # the workflow's view names whose move it is
        view = (await api.get(f"/v1/legal-processes/{request_id}", headers=staff)).json()
        if view["awaiting"] == "refusal_confirmation":
            return request_id
        await asyncio.sleep(0.1)
    raise AssertionError(f"no drafted refusal awaited: {view}")


async def test_a_reviewer_confirms_a_drafted_refusal(api, agency, mint, worker, lake):
    """A subpoena asking only for content: 18 U.S.C. §2703(a), (b)(1)(A)."""
    request_id = await _awaiting_refusal(api, agency, mint, ["content"])
    await ui_login(api, mint("reviewer", sub="rita"))
    page = await api.get(f"/ui/requests/{request_id}")
    assert page.status_code == 200
    assert "Drafted refusal" in page.text and 'id="confirm-refusal"' in page.text
    assert "§2703" in page.text  # the reasons cite their authority
    assert ">Approve<" not in page.text  # nothing else is decided while the refusal waits

    done = await api.post(
        f"/ui/requests/{request_id}/decisions",
        data={
            "action": "confirm_refusal",
            "note": "a subpoena cannot compel content",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert done.status_code in (200, 303), done.text
    final = await wait_for_status(api, agency["headers"], request_id, {"rejected"})
    assert final["refusal"]["state"] == "confirmed"


async def test_an_override_puts_it_back_in_review(api, agency, mint, worker, lake):
    request_id = await _awaiting_refusal(api, agency, mint, ["content", "detail_records"])
    await ui_login(api, mint("legal", sub="lee"))
    page = await api.get(f"/ui/requests/{request_id}")
    assert 'id="override-refusal"' in page.text
    no_reason = await api.post(
        f"/ui/requests/{request_id}/decisions",
        data={
            "action": "override_refusal",
            "categories": "detail_records",
            "csrf_token": csrf_from(page.text),
        },
    )
    # Refused with the validator's reason on the page, and nothing moved.
    shown = (
        await api.get(no_reason.headers["location"]) if no_reason.status_code == 303 else no_reason
    )
    assert "why" in shown.text.lower(), shown.text
    staff = mint("reviewer", sub="rita")
    still = (await api.get(f"/v1/legal-processes/{request_id}", headers=staff)).json()
    assert still["awaiting"] == "refusal_confirmation"
    page = await api.get(f"/ui/requests/{request_id}")
    done = await api.post(
        f"/ui/requests/{request_id}/decisions",
        data={
            "action": "override_refusal",
            "categories": "detail_records",
            "note": "the records custodian holds these as business records",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert done.status_code in (200, 303), done.text
    staff = mint("reviewer", sub="rita")
    for _ in range(100):
        view = (await api.get(f"/v1/legal-processes/{request_id}", headers=staff)).json()
        if view["awaiting"] == "review":
            break
        await asyncio.sleep(0.1)
    assert view["status"] == "in_review" and view["awaiting"] == "review"
    assert view["determination"]["allowed_categories"] == ["detail_records"]
    assert view["refusal"]["state"] == "overridden" and view["refusal"]["overridden_by"] == "lee"
