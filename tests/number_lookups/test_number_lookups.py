"""``GET /v1/number-lookups`` (issue 11 item 7): whether the provider held a number on a
day, and the reseller customer to serve for a reseller's number, read from the real lake in
SeaweedFS as the decision engine attributes targets; only for a registered agency's verified
officer; audited without the number; rate-limited per agency; never a subscriber detail."""

from __future__ import annotations

import json
import uuid

import httpx
import msgspec
import pytest
import sqlalchemy as sa

from services.intake.number_lookups.services import number_digest
from services.platform.logging import redact_text
from services.register.tables import audit_events
from tests.carrier.planted import ALICE, BOB, EU_NUMBER, NEVER_OURS, PORTED_OUT, REASSIGNED
from tests.number_lookups.conftest import (
    RESELLER_ACCOUNT,
    RESELLER_CUSTOMER,
    RESOLD,
)

LOOKUPS = "/v1/number-lookups"


async def _ask(api, agency, number: str, date: str) -> httpx.Response:
    return await api.get(
        LOOKUPS, params={"number": number, "date": date}, headers=agency["headers"]
    )


@pytest.mark.parametrize(
    ("number", "date", "held", "why"),
    [
        (REASSIGNED, "2025-02-01", True, "Alice's until her disconnection on 2025-03-01"),
        (REASSIGNED, "2025-03-20", False, "quarantined between Alice and Bob"),
        (REASSIGNED, "2025-05-01", True, "reassigned to Bob on 2025-04-15"),
        (PORTED_OUT, "2025-01-15", True, "Alice's before the port-out"),
        (PORTED_OUT, "2025-02-01", False, "ported out that day"),
        (NEVER_OURS, "2025-02-01", False, "never the provider's"),
        (EU_NUMBER, "2025-02-01", True, "the EU subsidiary's customer: still the provider's"),
    ],
)
async def test_whether_the_provider_held_the_number_that_day(api, agency, number, date, held, why):
    response = await _ask(api, agency, number, date)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "number": number[:2] + "*" * (len(number) - 4) + number[-2:],
        "date": date,
        "held": held,
        "resold": False,
        "reseller_customer": None,
    }, why


async def test_a_resellers_number_names_the_reseller_customer_to_serve(api, agency):
    response = await _ask(api, agency, "(919) 555-0104", "2025-03-01")  # any spelling
    assert response.status_code == 200, response.text
    assert response.json() == {
        "number": "+1********04",
        "date": "2025-03-01",
        "held": True,
        "resold": True,
        "reseller_customer": RESELLER_CUSTOMER,
    }
    before = (await _ask(api, agency, RESOLD, "2025-01-15")).json()
    assert before["held"] is False and before["reseller_customer"] is None


async def test_no_subscriber_detail_is_ever_answered(api, agency):
    for number, date in ((REASSIGNED, "2025-02-01"), (RESOLD, "2025-03-01")):
        text = (await _ask(api, agency, number, date)).text
        for detail in (
            ALICE,
            BOB,
            RESELLER_ACCOUNT,
            "Alice",
            "Planted Way",
            "mail.example",
            '"us"',
        ):
            assert detail not in text, detail


async def test_each_lookup_is_audited_with_the_number_masked_and_hashed(api, agency, register):
    response = await _ask(api, agency, REASSIGNED, "2025-05-01")
    assert response.status_code == 200
    async with register.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(audit_events.c.actor, audit_events.c.detail).where(
                    audit_events.c.action == "number_lookup"
                )
            )
        ).all()
    mine = [r for r in rows if r.detail["agency_id"] == agency["id"]]
    assert mine, "the lookup was not audited"
    actor, detail = mine[-1]
    assert actor == "j.doe@raleighpd.gov"
    assert detail == {
        "agency_id": agency["id"],
        "number_masked": "+1********01",
        "number_sha256": number_digest(REASSIGNED),
        "date": "2025-05-01",
        "held": True,
        "resold": False,
    }
    assert "5550101" not in json.dumps(detail)


async def test_the_access_log_line_of_a_lookup_names_no_number():
    # uvicorn logs the path with its query string; httpx and browsers send + as %2B.
    for query in ("number=%2B19195550101", "number=+19195550101", "number=9195550101"):
        line = f'127.0.0.1:5000 - "GET /v1/number-lookups?{query}&date=2025-05-01 HTTP/1.1" 200'
        redacted = redact_text(line)
        assert "5550101" not in redacted, redacted
        assert "GET /v1/number-lookups?number=[redacted]&date=" in redacted, redacted


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date": "2025-02-01"}, "number"),
        ({"number": "", "date": "2025-02-01"}, "number"),
        ({"number": "call me", "date": "2025-02-01"}, "number"),
        ({"number": "+1919", "date": "2025-02-01"}, "number"),
        ({"number": REASSIGNED}, "date"),
        ({"number": REASSIGNED, "date": "2025-13-01"}, "date"),
        ({"number": REASSIGNED, "date": "yesterday"}, "date"),
        ({"number": REASSIGNED, "date": "1969-12-31"}, "date"),
        ({"number": REASSIGNED, "date": "2999-01-01"}, "date"),
    ],
)
async def test_a_bad_number_or_date_is_a_422_naming_the_field(api, agency, params, field):
    response = await api.get(LOOKUPS, params=params, headers=agency["headers"])
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == field
    assert "5550101" not in problem["detail"]


async def test_only_a_registered_agencys_verified_officer_may_ask(api, agency, mint, register):
    params = {"number": REASSIGNED, "date": "2025-02-01"}
    unregistered = f"pd-{uuid.uuid4().hex[:10]}"
    refused = {
        "staff": mint("reviewer", sub="reviewer-1"),
        "legal": mint("legal", sub="legal-1"),
        "unregistered agency": mint("agency", sub="j.doe@raleighpd.gov", agency=unregistered),
        "officer not on the roster": mint("agency", sub="k.roe@raleighpd.gov", agency=agency["id"]),
        "foreign email domain": mint("agency", sub="j.doe@raleighpd.gov.co", agency=agency["id"]),
    }
    for who, headers in refused.items():
        response = await api.get(LOOKUPS, params=params, headers=headers)
        assert response.status_code == 403, (who, response.text)
        assert "held" not in response.json(), who
    async with register.engine.connect() as conn:
        reasons = (
            (
                await conn.execute(
                    sa.select(audit_events.c.detail).where(
                        audit_events.c.action == "number_lookup_refused"
                    )
                )
            )
            .scalars()
            .all()
        )
    ours = {d["reason"] for d in reasons if d["agency_id"] in (agency["id"], unregistered)}
    assert ours == {"agency not registered", "officer not verified"}


@pytest.fixture
async def limited_api(service_settings, register, temporal_env, s3):
    from services.intake.app import create_app

    settings = msgspec.structs.replace(service_settings, rate_limit_number_lookups="2/minute")
    app = create_app(settings, register=register, temporal=temporal_env.client, s3=s3)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://writ.test") as client:
        yield client


async def test_lookups_are_rate_limited_per_agency(limited_api, agency, mint):
    for _ in range(2):
        assert (await _ask(limited_api, agency, REASSIGNED, "2025-02-01")).status_code == 200
    refused = await _ask(limited_api, agency, REASSIGNED, "2025-02-01")
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "number lookups" in refused.json()["detail"]
    # Another agency's window is its own.
    other_id = f"pd-{uuid.uuid4().hex[:10]}"
    created = await limited_api.post(
        "/v1/agencies",
        json={
            "id": other_id,
            "name": "Durham Police Department",
            "jurisdiction": "US-NC",
            "email_domains": ["durhampd.gov"],
            "callback_number": "+1 919 555 0198",
            "officers": [{"name": "Sam Roe", "email": "s.roe@durhampd.gov", "badge": "12"}],
        },
        headers=mint("admin", sub="admin"),
    )
    assert created.status_code == 201, created.text
    other = {"headers": mint("agency", sub="s.roe@durhampd.gov", agency=other_id)}
    assert (await _ask(limited_api, other, REASSIGNED, "2025-02-01")).status_code == 200
