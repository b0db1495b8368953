"""A running service: the real worker (workflow + activities) on the test's task queue."""

from __future__ import annotations

import concurrent.futures

import pytest

from services.workflows.worker import build_worker


@pytest.fixture
async def worker(temporal_env, service_settings, register):
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
        async with build_worker(temporal_env.client, service_settings, register, executor=executor):
            yield


class E2ELake:
    """A small synthetic lake with one planted subscriber the end-to-end tests ask about."""

    number = "+19195550100"
    account_id = "ACE2EHOLDER"
    email = "holder.e2e@mail.example"
    issued_on = "2026-11-02"
    period_start = "2026-08-01"
    period_end = "2026-10-31"


def _planted() -> dict[str, list[dict]]:
    import datetime as dt

    def at(day: str) -> dt.datetime:
        return dt.datetime.fromisoformat(f"{day}T12:00:00+00:00")

    number, account = E2ELake.number, E2ELake.account_id
    return {
        "subscribers": [
            {
                "account_id": account,
                "legal_entity": "us",
                "name": "Holder E2E",
                "address_line1": "2 Test Street",
                "city": "Raleigh",
                "region": "NC",
                "postal_code": "27601",
                "country": "US",
                "email": E2ELake.email,
                "payment_method": "card",
                "payment_reference": "visa ending 0100",
                "service_start": dt.date(2025, 1, 1),
                "service_types": "numbers,voice,messaging",
                "is_reseller": False,
                "reseller_customer_name": None,
            }
        ],
        "number_assignments": [
            {
                "number": number,
                "account_id": account,
                "assigned_from": at("2025-01-01"),
                "assigned_to": None,
                "assignment_type": "new",
                "end_reason": None,
            }
        ],
        "call_records": [
            {
                "number": number,
                "direction": "outbound",
                "calling_number": number,
                "called_number": "+12125550000",
                "start_time": at(day),
                "duration_seconds": 42,
                "call_id": f"E2E-CALL-{i}",
                "trunk_id": "trk-nc-01",
                "disposition": "answered",
                "sip_response_code": 200,
                "cell_site": "310-260-101-2001",
            }
            for i, day in enumerate(("2026-08-03", "2026-09-14", "2026-10-30"))
        ],
        "message_records": [
            {
                "number": number,
                "direction": "outbound",
                "from_number": number,
                "to_number": "+12125550000",
                "sent_at": at("2026-09-15"),
                "message_id": "E2E-MSG-1",
                "segments": 1,
                "media_count": 0,
                "delivery_status": "delivered",
            }
        ],
        "message_content": [
            {
                "number": number,
                "sent_at": at("2026-09-15"),
                "message_id": "E2E-MSG-1",
                "body": "e2e body",
            }
        ],
    }


@pytest.fixture(scope="session")
def lake(base_settings) -> type[E2ELake]:
    """Generated once into the session's lake bucket (the lake tests use buckets of their own)."""
    import datetime as dt

    from services.carrier.layout import LakeLayout
    from services.carrier.synthetic.generator import generate_lake

    generate_lake(
        base_settings,
        3000,
        20261122,
        start=dt.date(2026, 6, 1),
        months=6,
        layout=LakeLayout(bucket_count=4, row_group_rows=1024),
        fixtures=_planted(),
        progress=False,
    )
    return E2ELake
