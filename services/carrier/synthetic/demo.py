"""The demo lake ``writ up`` seeds on first start, so the README's walk-through collects
real records: a small synthetic carrier plus one known subscriber holding +1 919 555 0100
(555-01xx numbers are fictional and never handed out by the generator)."""

from __future__ import annotations

import datetime as dt

from services.carrier.manifest import read_manifest
from services.carrier.synthetic.generator import generate_lake
from services.platform.objectstore import s3_client
from services.platform.settings import Settings

DEMO_NUMBER = "+19195550100"
DEMO_ACCOUNT = "ACDEMOHOLDER"
DEMO_ROWS = 20_000
DEMO_START = dt.date(2026, 1, 1)
DEMO_MONTHS = 12


def _at(day: str, time: str = "12:00:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}+00:00")


def demo_fixtures() -> dict[str, list[dict]]:
    calls = [
        ("2026-08-03", "+12125550000"),
        ("2026-09-14", "+13125550000"),
        ("2026-10-30", "+14155550000"),
    ]
    return {
        "subscribers": [
            {
                "account_id": DEMO_ACCOUNT,
                "legal_entity": "us",
                "name": "Dana Demo",
                "address_line1": "100 Fayetteville St",
                "city": "Raleigh",
                "region": "NC",
                "postal_code": "27601",
                "country": "US",
                "email": "dana.demo@mail.example",
                "payment_method": "card",
                "payment_reference": "visa ending 0100",
                "service_start": dt.date(2025, 3, 1),
                "service_types": "numbers,voice,messaging",
                "is_reseller": False,
                "reseller_customer_name": None,
            }
        ],
        "number_assignments": [
            {
                "number": DEMO_NUMBER,
                "account_id": DEMO_ACCOUNT,
                "assigned_from": _at("2025-03-01", "00:00:00"),
                "assigned_to": None,
                "assignment_type": "port_in",
                "end_reason": None,
            }
        ],
        "call_records": [
            {
                "number": DEMO_NUMBER,
                "direction": "outbound",
                "calling_number": DEMO_NUMBER,
                "called_number": other,
                "start_time": _at(day),
                "duration_seconds": 120 + i,
                "call_id": f"DEMO-CALL-{i}",
                "trunk_id": "trk-nc-01",
                "disposition": "answered",
                "sip_response_code": 200,
                "cell_site": "310-260-101-2001",
            }
            for i, (day, other) in enumerate(calls)
        ],
        "message_records": [
            {
                "number": DEMO_NUMBER,
                "direction": "outbound",
                "from_number": DEMO_NUMBER,
                "to_number": "+12125550000",
                "sent_at": _at("2026-09-15"),
                "message_id": "DEMO-MSG-1",
                "segments": 1,
                "media_count": 0,
                "delivery_status": "delivered",
            }
        ],
        "message_content": [
            {
                "number": DEMO_NUMBER,
                "sent_at": _at("2026-09-15"),
                "message_id": "DEMO-MSG-1",
                "body": "see you at six",
            }
        ],
    }


def seed_demo_lake(settings: Settings) -> bool:
    """Generate the demo lake unless the bucket already holds a lake; True when it did."""
    if read_manifest(s3_client(settings), settings.lake_bucket) is not None:
        return False
    generate_lake(
        settings,
        DEMO_ROWS,
        seed=1,
        start=DEMO_START,
        months=DEMO_MONTHS,
        fixtures=demo_fixtures(),
        progress=False,
    )
    return True
