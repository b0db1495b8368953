"""Issue 14: assignment — claim a request, assign it to someone, and the queue's "mine";
each assignment audited with who assigned whom."""

from __future__ import annotations

from contracts.enums import Status
from contracts.workflow import StatusChange
from tests.api.test_review_queue_paging import queue_of_23  # noqa: F401  (23 open requests)


async def test_claim_assign_and_mine(api, mint, queue_of_23):  # noqa: F811
    agency_id, records = queue_of_23
    first, second = records[1].id, records[2].id
    alice, bob = mint("reviewer", sub="alice"), mint("reviewer", sub="bob")

    claimed = await api.post(f"/v1/legal-processes/{first}/assignment", json={}, headers=alice)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["assignee"] == "alice"
    given = await api.post(
        f"/v1/legal-processes/{second}/assignment", json={"assignee": "Bob"}, headers=alice
    )
    assert given.json()["assignee"] == "bob"  # the same spelling as bob's own token
    taken_over = await api.post(f"/v1/legal-processes/{first}/assignment", json={}, headers=bob)
    assert taken_over.json()["assignee"] == "bob"

    mine = await api.get(
        "/v1/review-queue", params={"agency_id": agency_id, "assignee": "bob"}, headers=bob
    )
    assert {i["id"] for i in mine.json()["items"]} == {first, second}
    nobody = await api.get(
        "/v1/review-queue", params={"agency_id": agency_id, "assignee": "alice"}, headers=bob
    )
    assert nobody.json()["items"] == []

    trail = (
        await api.get(f"/v1/legal-processes/{first}/audit", headers=mint("auditor", sub="audrey"))
    ).json()
    assigned = [e["detail"] for e in trail if e["action"] == "review_assigned"]
    assert assigned == [
        {"assignee": "alice", "previous": "", "by": "alice", "roles": "reviewer"},
        {"assignee": "bob", "previous": "alice", "by": "bob", "roles": "reviewer"},
    ]


async def test_only_deciders_assign_and_the_assignee_is_checked(api, mint, queue_of_23):  # noqa: F811
    _, records = queue_of_23
    target = records[0].id
    refused = await api.post(
        f"/v1/legal-processes/{target}/assignment", json={}, headers=mint("auditor", sub="a")
    )
    assert refused.status_code == 403
    bad = await api.post(
        f"/v1/legal-processes/{target}/assignment",
        json={"assignee": "bob\u0007"},
        headers=mint("reviewer", sub="alice"),
    )
    assert bad.status_code in (400, 422) and "assignee" in bad.text


async def test_an_ended_request_leaves_its_assignees_mine(api, mint, register, queue_of_23):  # noqa: F811
    agency_id, records = queue_of_23
    target = records[3].id
    alice = mint("reviewer", sub="alice")
    claimed = await api.post(f"/v1/legal-processes/{target}/assignment", json={}, headers=alice)
    assert claimed.status_code == 200, claimed.text
    # An intermediate status keeps it; the final one releases it, once.
    for status in (Status.IN_REVIEW, Status.REJECTED, Status.REJECTED):
        await register.legal_processes.apply_status_change(
            StatusChange(request_id=target, status=status, actor="writ")
        )
        assigned = await register.review_assignments.of([target])
        assert (target in assigned) is (status is Status.IN_REVIEW)

    trail = (
        await api.get(f"/v1/legal-processes/{target}/audit", headers=mint("auditor", sub="audrey"))
    ).json()
    released = [(e["actor"], e["detail"]) for e in trail if e["action"] == "review_released"]
    assert released == [("writ", {"assignee": "alice", "reason": "the request ended"})]
    mine = await api.get(
        "/v1/review-queue", params={"agency_id": agency_id, "assignee": "alice"}, headers=alice
    )
    assert target not in {i["id"] for i in mine.json()["items"]}
