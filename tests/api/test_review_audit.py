"""Issue 14: the audit trail records what people did, with the person, their roles and the
time to the second — the call-back (who, which number, note), the requester's
verification, each approval of a two-approver request with its note, the text of a
question asked of the agency and the answer's digest — and /callback and /verification
answer with the status after the change. A rejection needs its reason code: 422."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import lake, worker  # noqa: F401  (the real worker and lake)
from tests.support import submission, submit, wait_for_status

pytestmark = pytest.mark.slow


async def _submitted(api, agency, lake, **overrides) -> str:  # noqa: F811
    body = submission(
        **{
            "date_range": {"start": lake.period_start, "end": lake.period_end},
            "issued_on": lake.issued_on,
            "targets": [{"kind": "telephone_number", "value": lake.number}],
            **overrides,
        }
    )
    created = await submit(api, agency["headers"], body)
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def _trail(api, mint, request_id: str) -> list[dict]:
    response = await api.get(
        f"/v1/legal-processes/{request_id}/audit", headers=mint("auditor", sub="audrey")
    )
    assert response.status_code == 200, response.text
    return response.json()


def _one(trail: list[dict], action: str) -> dict:
    found = [e for e in trail if e["action"] == action]
    assert len(found) == 1, (action, [e["action"] for e in trail])
    return found[0]


async def test_call_back_and_both_approvals_are_audited_with_their_notes(
    api,
    agency,
    mint,
    worker,  # noqa: F811
    lake,  # noqa: F811
):
    request_id = await _submitted(
        api,
        agency,
        lake,
        process_type="emergency_request",
        emergency={"nature_of_danger": "Threat to life within the hour."},
        return_date=None,
    )
    await wait_for_status(api, agency["headers"], request_id, {"verifying"})
    alice, bob = mint("reviewer", sub="alice"), mint("reviewer", "legal", sub="bob")

    called = await api.post(
        f"/v1/legal-processes/{request_id}/callback",
        json={"number_called": "+19195550199", "note": "Sgt. Doe confirmed."},
        headers=alice,
    )
    assert called.status_code == 200, called.text
    assert called.json()["status"] == "in_review"  # the status after the call-back

    first = await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "approve", "note": "Imminent danger; BSI only."},
        headers=alice,
    )
    assert first.status_code == 200, first.text
    assert first.json()["approvals"] == ["alice"] and first.json()["approvals_required"] == 2
    again = await api.post(
        f"/v1/legal-processes/{request_id}/decisions", json={"action": "approve"}, headers=alice
    )
    assert again.status_code == 409 and "four-eyes" in again.text
    second = await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "approve", "note": "Second look: agreed."},
        headers=bob,
    )
    assert second.status_code == 200, second.text

    trail = await _trail(api, mint, request_id)
    callback = _one(trail, "callback_recorded")
    assert callback["actor"] == "alice"
    assert callback["detail"] == {
        "by": "alice",
        "roles": "reviewer",
        "number_called": "+19195550199",
        "note": "Sgt. Doe confirmed.",
        "status_after": "in_review",
    }
    approvals = [e for e in trail if e["action"] == "decision:approve"]
    assert [(e["actor"], e["detail"]["note"], e["detail"]["roles"]) for e in approvals] == [
        ("alice", "Imminent danger; BSI only.", "reviewer"),
        ("bob", "Second look: agreed.", "legal,reviewer"),
    ]
    assert approvals[0]["detail"]["approvals"] == "alice"
    assert approvals[0]["detail"]["approvals_required"] == 2
    assert _one(trail, "approval:alice")["detail"]["required"] == "2"
    assert _one(trail, "approval:bob")["detail"]["approvers"] == "alice,bob"
    assert all(len(e["at"]) >= 19 for e in trail)  # to the second, at least


async def test_a_question_its_answer_and_a_reason_less_rejection(
    api,
    agency,
    mint,
    worker,  # noqa: F811
    lake,  # noqa: F811
):
    request_id = await _submitted(
        api, agency, lake, process_type="court_order_2703d", return_date="2026-12-20"
    )
    await wait_for_status(api, agency["headers"], request_id, {"in_review"})
    alice = mint("reviewer", sub="alice")

    no_reason = await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "reject", "note": "no"},
        headers=alice,
    )
    assert no_reason.status_code == 422, no_reason.text
    assert no_reason.json()["field"] == "reason_code"  # no default reason any more

    question = "Which account holder does the affidavit name?"
    asked = await api.post(
        f"/v1/legal-processes/{request_id}/decisions",
        json={"action": "ask_agency", "question": question},
        headers=alice,
    )
    assert asked.status_code == 200, asked.text
    answered = await api.post(
        f"/v1/legal-processes/{request_id}/responses",
        json={"text": "Holder E2E"},
        headers=agency["headers"],
    )
    assert answered.status_code in (200, 201), answered.text
    await wait_for_status(api, agency["headers"], request_id, {"in_review"})

    trail = await _trail(api, mint, request_id)
    ask = _one(trail, "decision:ask_agency")
    assert ask["actor"] == "alice" and ask["detail"]["question"] == question
    assert ask["detail"]["status_after"] == "awaiting_agency"
    answer = _one(trail, "clarification_answered:1")
    assert answer["detail"]["text_length"] == str(len("Holder E2E"))
    assert "Holder E2E" not in str(answer)
    assert not [e for e in trail if e["action"] == "decision:reject"]  # refused: nothing written


async def test_verifying_a_requester_answers_with_the_new_status_and_is_audited(
    api,
    agency,
    mint,
    worker,  # noqa: F811
    lake,  # noqa: F811
):
    request_id = await _submitted(
        api,
        agency,
        lake,
        process_type="court_order_2703d",
        officer={"name": "Pat Roe", "email": "p.roe@raleighpd.gov", "badge": "9"},
        return_date="2026-12-20",
    )
    await wait_for_status(api, agency["headers"], request_id, {"verifying"})
    verified = await api.post(
        f"/v1/legal-processes/{request_id}/verification",
        json={"verified": True, "note": "Confirmed with the agency's legal unit."},
        headers=mint("reviewer", sub="alice"),
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "in_review"
    entry = _one(await _trail(api, mint, request_id), "requester_verified")
    assert entry["detail"]["note"] == "Confirmed with the agency's legal unit."
    assert entry["detail"]["by"] == "alice" and entry["detail"]["roles"] == "reviewer"
