"""Known facts planted into the test lake on top of the synthetic data.

Numbers are in 555-01xx, the fictional range the generator never hands out, so nothing
synthetic collides with them.

    +19195550101  Alice 2024-06-01 .. 2025-03-01 (disconnected), quarantined,
                  Bob   2025-04-15 .. (reassigned to him)
    +19195550102  Alice 2024-01-01 .. 2025-02-01 (ported out)
    +353875550103 Eve (EU subsidiary's customer) since 2024-01-01
    +19195550199  never the provider's
"""

from __future__ import annotations

import datetime as dt

REASSIGNED = "+19195550101"
PORTED_OUT = "+19195550102"
EU_NUMBER = "+353875550103"
NEVER_OURS = "+19195550199"

ALICE = "ACPLANTEDALICE"
BOB = "ACPLANTEDBOB"
EVE = "ACPLANTEDEVE"

ALICE_EMAIL = "alice.planted@mail.example"

DISCONNECTED = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
REASSIGNED_ON = dt.datetime(2025, 4, 15, tzinfo=dt.UTC)
PORTED_OUT_ON = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)


def at(day: str, time: str = "12:00:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}+00:00")


def _subscriber(account_id: str, entity: str, name: str, email: str, country: str) -> dict:
    return {
        "account_id": account_id,
        "legal_entity": entity,
        "name": name,
        "address_line1": "1 Planted Way",
        "city": "Raleigh" if entity == "us" else "Dublin",
        "region": "NC" if entity == "us" else None,
        "postal_code": "27601",
        "country": country,
        "email": email,
        "payment_method": "card",
        "payment_reference": "visa ending 0101",
        "service_start": dt.date(2024, 1, 1),
        "service_types": "numbers,voice,messaging",
        "is_reseller": False,
        "reseller_customer_name": None,
    }


def _call(number: str, when: dt.datetime, call_id: str, other: str = "+12125550000") -> dict:
    return {
        "number": number,
        "direction": "outbound",
        "calling_number": number,
        "called_number": other,
        "start_time": when,
        "duration_seconds": 61,
        "call_id": call_id,
        "trunk_id": "trk-nc-01",
        "disposition": "answered",
        "sip_response_code": 200,
        "cell_site": "310-260-101-2001",
    }


def _message(number: str, when: dt.datetime, message_id: str) -> dict:
    return {
        "number": number,
        "direction": "outbound",
        "from_number": number,
        "to_number": "+12125550000",
        "sent_at": when,
        "message_id": message_id,
        "segments": 1,
        "media_count": 0,
        "delivery_status": "delivered",
    }


def _session(account_id: str, when: dt.datetime, ip: str) -> dict:
    return {
        "account_id": account_id,
        "ip_address": ip,
        "session_start": when,
        "duration_seconds": 30,
        "api_endpoint": "/v1/messages",
        "http_method": "POST",
        "user_agent": "writ-python/4.2.0",
        "status_code": 200,
    }


# Calls on the reassigned number: whose they are is the point of the attribution test.
ALICE_CALLS = {"PLANTED-CALL-A1": at("2025-01-20"), "PLANTED-CALL-A2": at("2025-02-10")}
BOB_CALLS = {"PLANTED-CALL-B1": at("2025-05-05"), "PLANTED-CALL-B2": at("2025-05-06", "08:30:00")}
ALICE_BODY = "planted: sent while Alice held the number"
BOB_BODY = "planted: sent after Bob got the number"

FIXTURES: dict[str, list[dict]] = {
    "subscribers": [
        _subscriber(ALICE, "us", "Alice Planted", ALICE_EMAIL, "US"),
        _subscriber(BOB, "us", "Bob Planted", "bob.planted@mail.example", "US"),
        _subscriber(EVE, "eu", "Eve Planted", "eve.planted@mail.example", "IE"),
    ],
    "number_assignments": [
        {
            "number": REASSIGNED,
            "account_id": ALICE,
            "assigned_from": at("2024-06-01", "00:00:00"),
            "assigned_to": DISCONNECTED,
            "assignment_type": "new",
            "end_reason": "disconnect",
        },
        {
            "number": REASSIGNED,
            "account_id": BOB,
            "assigned_from": REASSIGNED_ON,
            "assigned_to": None,
            "assignment_type": "reassignment",
            "end_reason": None,
        },
        {
            "number": PORTED_OUT,
            "account_id": ALICE,
            "assigned_from": at("2024-01-01", "00:00:00"),
            "assigned_to": PORTED_OUT_ON,
            "assignment_type": "new",
            "end_reason": "port_out",
        },
        {
            "number": EU_NUMBER,
            "account_id": EVE,
            "assigned_from": at("2024-01-01", "00:00:00"),
            "assigned_to": None,
            "assignment_type": "new",
            "end_reason": None,
        },
    ],
    "call_records": [
        *(_call(REASSIGNED, when, call_id) for call_id, when in ALICE_CALLS.items()),
        *(_call(REASSIGNED, when, call_id) for call_id, when in BOB_CALLS.items()),
        _call(PORTED_OUT, at("2025-01-15"), "PLANTED-CALL-P1"),
        _call(EU_NUMBER, at("2025-03-03"), "PLANTED-CALL-E1", other="+353871234567"),
    ],
    "message_records": [
        _message(REASSIGNED, at("2025-02-11"), "PLANTED-MSG-A1"),
        _message(REASSIGNED, at("2025-05-06"), "PLANTED-MSG-B1"),
    ],
    "message_content": [
        {
            "number": REASSIGNED,
            "sent_at": at("2025-02-11"),
            "message_id": "PLANTED-MSG-A1",
            "body": ALICE_BODY,
        },
        {
            "number": REASSIGNED,
            "sent_at": at("2025-05-06"),
            "message_id": "PLANTED-MSG-B1",
            "body": BOB_BODY,
        },
    ],
    "api_access_logs": [
        _session(ALICE, at("2025-02-12"), "198.51.100.7"),
        _session(BOB, at("2025-05-07"), "203.0.113.9"),
        # Alice no longer held the number: not attributable to a request about it.
        _session(ALICE, at("2025-05-08"), "198.51.100.8"),
    ],
}
