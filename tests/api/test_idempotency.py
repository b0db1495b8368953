"""Idempotency-Key replays and duplicate detection: a retried or repeated submission is
answered with the request already in hand and creates nothing new."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.support import MINIMAL_PDF, submission, submit

PHONE = {"kind": "telephone_number"}


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"retry-{uuid.uuid4()}"}


async def test_replay_with_the_same_key_returns_the_first_request_and_creates_nothing(
    api, agency, footprint
):
    body, idempotency = submission(), key()
    first = await submit(api, agency["headers"], body, extra_headers=idempotency)
    assert first.status_code == 201, first.text
    after_first = await footprint(agency["id"])

    again = await submit(api, agency["headers"], body, extra_headers=idempotency)

    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert "replayed" in again.json()["message"]
    assert await footprint(agency["id"]) == after_first


async def test_replay_of_a_json_submission_with_an_uploaded_document(api, agency, footprint):
    uploaded = await api.post(
        "/v1/documents",
        headers=agency["headers"],
        files={"document": ("p.pdf", MINIMAL_PDF, "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    body, idempotency = submission(document_id=uploaded.json()["document_id"]), key()
    first = await api.post(
        "/v1/legal-processes", json=body, headers={**agency["headers"], **idempotency}
    )
    assert first.status_code == 201, first.text
    after_first = await footprint(agency["id"])

    again = await api.post(
        "/v1/legal-processes", json=body, headers={**agency["headers"], **idempotency}
    )

    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert await footprint(agency["id"]) == after_first


async def test_same_key_with_a_different_body_is_refused_naming_the_header(api, agency, footprint):
    idempotency = key()
    first = await submit(api, agency["headers"], submission(), extra_headers=idempotency)
    assert first.status_code == 201, first.text
    after_first = await footprint(agency["id"])

    other = await submit(api, agency["headers"], submission(), extra_headers=idempotency)

    assert other.status_code == 422, other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["field"] == "Idempotency-Key"
    assert await footprint(agency["id"]) == after_first


async def test_same_key_with_a_different_document_is_refused(api, agency, footprint):
    body, idempotency = submission(), key()
    first = await submit(api, agency["headers"], body, extra_headers=idempotency)
    assert first.status_code == 201, first.text
    after_first = await footprint(agency["id"])

    other = await submit(
        api,
        agency["headers"],
        body,
        document=MINIMAL_PDF + b"% amended\n%%EOF\n",
        extra_headers=idempotency,
    )

    assert (other.status_code, other.json()["field"]) == (422, "Idempotency-Key")
    assert await footprint(agency["id"]) == after_first


async def test_keys_are_scoped_to_the_agency(api, mint, agency, footprint):
    other_agency = await _register_agency(api, mint)
    idempotency = key()
    mine = await submit(api, agency["headers"], submission(), extra_headers=idempotency)
    theirs = await submit(api, other_agency["headers"], submission(), extra_headers=idempotency)
    assert (mine.status_code, theirs.status_code) == (201, 201), (mine.text, theirs.text)
    assert mine.json()["id"] != theirs.json()["id"]


async def test_concurrent_retries_with_the_same_key_create_one_request(api, agency, footprint):
    """Both retries pass the replay check before either is recorded; the register's unique
    key decides, and the loser answers with the winner's request instead of a 500."""
    before = await footprint(agency["id"])
    body, idempotency = submission(), key()

    responses = await asyncio.gather(
        *(submit(api, agency["headers"], body, extra_headers=idempotency) for _ in range(4))
    )

    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    assert sorted(r.status_code for r in responses).count(201) == 1
    assert len({r.json()["id"] for r in responses}) == 1
    after = await footprint(agency["id"])
    assert after.requests - before.requests == {responses[0].json()["id"]}
    assert len(after.objects - before.objects) == 1, "a losing retry left its document behind"


async def test_two_api_instances_with_their_own_pools_create_one_request(
    api, agency, footprint, service_settings, register_url, temporal_env, s3
):
    """As two API processes behind one load balancer: separate apps with separate database
    pools (so separate connections and transactions) race the same Idempotency-Key."""
    import httpx

    from services.intake.app import create_app
    from services.register.case_register import Register

    other_register = Register.connect(register_url)
    other_app = create_app(
        service_settings, register=other_register, temporal=temporal_env.client, s3=s3
    )
    transport = httpx.ASGITransport(app=other_app, raise_app_exceptions=False)
    before = await footprint(agency["id"])
    body, idempotency = submission(), key()
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://writ.test") as other:
            responses = await asyncio.gather(
                *(
                    submit(client, agency["headers"], body, extra_headers=idempotency)
                    for client in (api, other, api, other)
                )
            )
    finally:
        await other_register.close()
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    assert [r.status_code for r in responses].count(201) == 1
    assert len({r.json()["id"] for r in responses}) == 1
    after = await footprint(agency["id"])
    assert after.requests - before.requests == {responses[0].json()["id"]}
    assert len(after.objects - before.objects) == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            {**PHONE, "value": "(919) 555-0100"},
            {**PHONE, "value": "+19195550100"},
            id="phone-formats",
        ),
        pytest.param(
            {**PHONE, "value": "919.555.0100"},
            {**PHONE, "value": "+1 (919) 555-0100"},
            id="phone-dots",
        ),
        pytest.param(
            {"kind": "email", "value": "J.Doe@Example.COM"},
            {"kind": "email", "value": " j.doe@example.com"},
            id="email-case",
        ),
        pytest.param(
            {"kind": "ip_address", "value": "2001:0db8:0000::0001"},
            {"kind": "ip_address", "value": "2001:db8::1"},
            id="ipv6-forms",
        ),
        pytest.param(
            {"kind": "ip_address", "value": "::ffff:192.0.2.7"},
            {"kind": "ip_address", "value": "192.0.2.7"},
            id="ipv4-mapped",
        ),
    ],
)
async def test_same_case_and_same_target_in_another_format_is_linked_not_duplicated(
    api, agency, footprint, first, second
):
    case_number = f"2026-CR-{uuid.uuid4().hex[:6]}"
    original = await submit(
        api, agency["headers"], submission(case_number=case_number, targets=[first])
    )
    assert original.status_code == 201, original.text
    after_first = await footprint(agency["id"])

    repeat = await submit(
        api, agency["headers"], submission(case_number=case_number, targets=[second])
    )

    assert repeat.status_code == 200, repeat.text
    assert repeat.json()["id"] == original.json()["id"]
    assert "duplicate" in repeat.json()["message"]
    assert original.json()["id"] in repeat.json()["message"]
    assert await footprint(agency["id"]) == after_first


async def test_same_target_in_a_different_case_is_a_new_request(api, agency):
    target = [{**PHONE, "value": "(919) 555-0100"}]
    first = await submit(api, agency["headers"], submission(targets=target))
    second = await submit(
        api, agency["headers"], submission(targets=[{**PHONE, "value": "+19195550100"}])
    )
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["duplicate_of"] is None
    assert "duplicate" not in second.json()["message"]


async def test_an_overlapping_larger_target_set_is_a_new_request_linked_to_the_first(
    api, agency, footprint
):
    case_number = f"2026-CR-{uuid.uuid4().hex[:6]}"
    first = await submit(
        api,
        agency["headers"],
        submission(case_number=case_number, targets=[{**PHONE, "value": "(919) 555-0100"}]),
    )
    assert first.status_code == 201, first.text
    before = await footprint(agency["id"])

    larger = await submit(
        api,
        agency["headers"],
        submission(
            case_number=case_number,
            targets=[{**PHONE, "value": "+19195550100"}, {**PHONE, "value": "(919) 555-0123"}],
        ),
    )

    assert larger.status_code == 201, larger.text
    view = larger.json()
    assert view["id"] != first.json()["id"]
    assert view["duplicate_of"] == first.json()["id"]
    assert first.json()["id"] in view["message"]
    assert (await footprint(agency["id"])).requests - before.requests == {view["id"]}


async def test_a_target_first_seen_in_a_linked_request_still_links_to_the_case(api, agency):
    case_number = f"2026-CR-{uuid.uuid4().hex[:6]}"
    first = await submit(
        api,
        agency["headers"],
        submission(case_number=case_number, targets=[{**PHONE, "value": "(919) 555-0100"}]),
    )
    linked = await submit(
        api,
        agency["headers"],
        submission(
            case_number=case_number,
            targets=[{**PHONE, "value": "(919) 555-0100"}, {**PHONE, "value": "(919) 555-0123"}],
        ),
    )
    assert linked.json()["duplicate_of"] == first.json()["id"]

    third = await submit(
        api,
        agency["headers"],
        submission(
            case_number=case_number,
            targets=[{**PHONE, "value": "919-555-0123"}, {**PHONE, "value": "(919) 555-0199"}],
        ),
    )

    assert third.status_code == 201, third.text
    assert third.json()["duplicate_of"] == first.json()["id"]


async def test_targets_spread_over_a_case_are_a_duplicate_of_its_root(api, agency, footprint):
    """Every target already asked for in the case, if by different requests: nothing new."""
    case_number = f"2026-CR-{uuid.uuid4().hex[:6]}"
    first = await submit(
        api,
        agency["headers"],
        submission(case_number=case_number, targets=[{**PHONE, "value": "(919) 555-0100"}]),
    )
    linked = await submit(
        api,
        agency["headers"],
        submission(
            case_number=case_number,
            targets=[{**PHONE, "value": "(919) 555-0100"}, {**PHONE, "value": "(919) 555-0123"}],
        ),
    )
    assert (first.status_code, linked.status_code) == (201, 201), linked.text
    before = await footprint(agency["id"])

    again = await submit(
        api,
        agency["headers"],
        submission(
            case_number=case_number,
            targets=[{**PHONE, "value": "+19195550123"}, {**PHONE, "value": "919 555 0100"}],
        ),
    )

    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert "duplicate" in again.json()["message"]
    assert await footprint(agency["id"]) == before


async def test_another_agencys_case_is_never_linked(api, mint, agency):
    other_agency = await _register_agency(api, mint)
    body = submission()
    mine = await submit(api, agency["headers"], body)
    theirs = await submit(api, other_agency["headers"], body)
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["duplicate_of"] is None
    assert mine.json()["id"] not in theirs.text


async def _register_agency(api, mint) -> dict:
    agency_id = f"pd-{uuid.uuid4().hex[:10]}"
    response = await api.post(
        "/v1/agencies",
        headers=mint("admin"),
        json={
            "id": agency_id,
            "name": "Durham Police Department",
            "jurisdiction": "US-NC",
            "email_domains": ["raleighpd.gov"],
            "callback_number": "+1 919 555 0142",
        },
    )
    assert response.status_code == 201, response.text
    return {
        **response.json(),
        "headers": mint("agency", sub="j.doe@raleighpd.gov", agency=agency_id),
    }
