"""Issue 14: ``GET /v1/review-queue`` returned 50 items and ``next_cursor: null`` while 83
were open. Now a keyset cursor: over several pages every open request comes exactly once,
in the queue's order (emergencies, then the nearest return date, none last), and closed
requests never."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
import pytest

from contracts.enums import ProcessType, Status
from contracts.legal_process import Emergency
from contracts.workflow import StatusChange
from services.register.legal_processes import LegalProcessRecord
from tests.factories import received_process

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _record(agency_id: str, n: int, *, emergency: bool, return_in: int | None, status: Status):
    # Few distinct sort keys, so ties on every column but the id are exercised too.
    received = NOW + dt.timedelta(minutes=n % 3)
    process = received_process(
        received,
        ProcessType.EMERGENCY_REQUEST if emergency else ProcessType.SUBPOENA,
        return_in_days=return_in,
        emergency=Emergency(nature_of_danger="threat") if emergency else None,
    )
    request_id = process.request_id
    process = msgspec.structs.replace(
        process,
        case_number=f"2026-CR-{uuid.uuid4().hex[:8]}",
        requester=msgspec.structs.replace(process.requester, agency_id=agency_id),
    )
    return LegalProcessRecord(
        id=request_id,
        agency_id=agency_id,
        process_type=process.process_type,
        case_number=process.case_number,
        status=status,
        received_at=received,
        return_date=process.return_date,
        emergency=emergency,
        submission={"case_number": process.case_number},
        process=process,
        document_key=f"documents/{agency_id}/{request_id}/process.pdf",
        document_sha256="ab" * 32,
    )


@pytest.fixture
async def queue_of_23(register, agency):
    agency_id = agency["id"]
    records = []
    open_statuses = [Status.RECEIVED, Status.VERIFYING, Status.IN_REVIEW, Status.AWAITING_AGENCY]
    for n in range(23):
        records.append(
            _record(
                agency_id,
                n,
                emergency=n % 7 == 0,
                return_in=None if n % 5 == 0 else 10 + n % 4,
                status=open_statuses[n % 4],
            )
        )
    for n in range(4):  # finished: never in the queue
        records.append(_record(agency_id, n, emergency=n == 0, return_in=10, status=Status.CLOSED))
    for record in records:
        await register.legal_processes.insert(record, actor="j.doe@raleighpd.gov")
    return agency_id, records


def _queue_key(record: LegalProcessRecord):
    return (
        not record.emergency,
        record.return_date is None,
        record.return_date or dt.date.max,
        record.received_at,
        record.id,
    )


async def test_every_open_request_is_on_exactly_one_page_in_queue_order(api, mint, queue_of_23):
    agency_id, records = queue_of_23
    headers = mint("reviewer", sub="alice")
    seen: list[str] = []
    pages = 0
    cursor = None
    while True:
        params = {"agency_id": agency_id, "limit": 5}
        if cursor:
            params["cursor"] = cursor
        response = await api.get("/v1/review-queue", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        assert len(body["items"]) <= 5
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "the cursor never ends"
    open_records = sorted((r for r in records if r.status is not Status.CLOSED), key=_queue_key)
    assert pages == 5  # 23 open requests, 5 a page
    assert seen == [r.id for r in open_records]  # each once, emergencies first, in order
    assert len(set(seen)) == 23


async def test_a_request_that_leaves_the_queue_does_not_shift_the_next_page(
    api, mint, register, queue_of_23
):
    agency_id, records = queue_of_23
    headers = mint("reviewer", sub="alice")
    first = (
        await api.get(
            "/v1/review-queue", params={"agency_id": agency_id, "limit": 5}, headers=headers
        )
    ).json()
    # Offset paging would skip a request here: a row of the first page leaves the queue.
    await register.legal_processes.apply_status_change(
        StatusChange(request_id=first["items"][0]["id"], status=Status.CLOSED, actor="system")
    )
    rest: list[str] = []
    cursor = first["next_cursor"]
    while cursor:
        body = (
            await api.get(
                "/v1/review-queue",
                params={"agency_id": agency_id, "limit": 5, "cursor": cursor},
                headers=headers,
            )
        ).json()
        rest += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
    assert len(rest) == 18 and not set(rest) & {i["id"] for i in first["items"]}


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJ4IjoxfQ", "%%%"])
async def test_a_cursor_the_queue_did_not_issue_is_a_400_naming_it(api, mint, cursor):
    response = await api.get(
        "/v1/review-queue", params={"cursor": cursor}, headers=mint("reviewer", sub="alice")
    )
    assert response.status_code == 400, response.text
    assert "cursor" in response.text


async def test_the_queue_finds_a_case_number(api, mint, queue_of_23):
    agency_id, records = queue_of_23
    wanted = records[3]
    response = await api.get(
        "/v1/review-queue",
        params={"case_number": wanted.case_number},
        headers=mint("reviewer", sub="alice"),
    )
    assert [i["id"] for i in response.json()["items"]] == [wanted.id]
