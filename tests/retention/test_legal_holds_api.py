"""``/v1/legal-holds``: legal places and lifts holds, legal and auditors read them; every
call is audited; bad input is a problem document naming the field."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from services.register.tables import audit_events
from tests.retention.factory import add_request


def case_number() -> str:
    return f"2026-CR-{uuid.uuid4().hex[:8]}"


async def audited(register, action: str, hold_id: str) -> list[dict]:
    async with register.engine.connect() as conn:
        rows = await conn.execute(sa.select(audit_events).where(audit_events.c.action == action))
        return [
            {"actor": r.actor, "request_id": r.request_id, **r.detail}
            for r in rows
            if r.detail.get("hold_id") == hold_id
        ]


async def test_legal_places_and_lifts_a_hold_and_both_are_audited(api, mint, register):
    legal = mint("legal", sub="counsel@writ.example")
    number = case_number()
    placed = await api.post(
        "/v1/legal-holds",
        headers=legal,
        json={"case_number": number, "reason": "State v. Roe: appeal pending"},
    )
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert hold["id"].startswith("lh_")
    assert (hold["scope"], hold["value"], hold["active"]) == ("case_number", number, True)
    assert hold["placed_by"] == "counsel@writ.example"

    listed = await api.get("/v1/legal-holds", headers=mint("auditor", sub="audit@writ.example"))
    assert listed.status_code == 200
    assert hold["id"] in [h["id"] for h in listed.json()]

    lifted = await api.request(
        "DELETE",
        f"/v1/legal-holds/{hold['id']}",
        headers=mint("legal", sub="gc@writ.example"),
        json={"reason": "appeal decided"},
    )
    assert lifted.status_code == 200, lifted.text
    body = lifted.json()
    assert (body["active"], body["lifted_by"], body["lift_reason"]) == (
        False,
        "gc@writ.example",
        "appeal decided",
    )
    again = await api.request(
        "DELETE", f"/v1/legal-holds/{hold['id']}", headers=legal, json={"reason": "twice"}
    )
    assert again.status_code == 409 and again.json()["type"].endswith("/hold-already-lifted")

    active = (await api.get("/v1/legal-holds", headers=legal)).json()
    assert hold["id"] not in [h["id"] for h in active]
    every = (await api.get("/v1/legal-holds?include_lifted=true", headers=legal)).json()
    assert hold["id"] in [h["id"] for h in every]

    assert [e["actor"] for e in await audited(register, "legal_hold_placed", hold["id"])] == [
        "counsel@writ.example"
    ]
    lift_events = await audited(register, "legal_hold_lifted", hold["id"])
    assert [(e["actor"], e["reason"]) for e in lift_events] == [
        ("gc@writ.example", "appeal decided")
    ]
    async with register.engine.connect() as conn:
        listed_by = set(
            (
                await conn.execute(
                    sa.select(audit_events.c.actor).where(
                        audit_events.c.action == "legal_holds_listed"
                    )
                )
            ).scalars()
        )
    assert "audit@writ.example" in listed_by


async def test_a_hold_on_a_request_and_on_an_account(api, mint, register, s3, service_settings):
    legal = mint("legal")
    existing = await add_request(register.engine, s3, service_settings, closed_ago=None)
    on_request = await api.post(
        "/v1/legal-holds",
        headers=legal,
        json={"request_id": existing.request_id, "reason": "Doe v. Writ"},
    )
    assert on_request.status_code == 201, on_request.text
    placed = await audited(register, "legal_hold_placed", on_request.json()["id"])
    assert placed[0]["request_id"] == existing.request_id  # on the request's own trail

    on_account = await api.post(
        "/v1/legal-holds",
        headers=legal,
        json={"customer_account_id": "ACCT-1001", "reason": "preservation letter"},
    )
    assert on_account.status_code == 201, on_account.text
    event = (await audited(register, "legal_hold_placed", on_account.json()["id"]))[0]
    assert "ACCT-1001" not in str(event), "the account id is subscriber data"


@pytest.mark.parametrize(
    ("role", "method", "expected"),
    [
        ("reviewer", "POST", 403),
        ("auditor", "POST", 403),
        ("admin", "POST", 403),
        ("agency", "POST", 403),
        ("auditor", "DELETE", 403),
        ("admin", "DELETE", 403),
        ("reviewer", "GET", 403),
        ("admin", "GET", 403),
        ("agency", "GET", 403),
    ],
)
async def test_only_legal_places_or_lifts(api, mint, role, method, expected):
    headers = mint(role, agency="raleigh-pd" if role == "agency" else None)
    if method == "POST":
        response = await api.post(
            "/v1/legal-holds", headers=headers, json={"case_number": "X-1", "reason": "why not"}
        )
    elif method == "DELETE":
        response = await api.request(
            "DELETE",
            "/v1/legal-holds/lh_000000000000000000000000",
            headers=headers,
            json={"reason": "why not"},
        )
    else:
        response = await api.get("/v1/legal-holds", headers=headers)
    assert response.status_code == expected, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_no_token_is_401(api):
    response = await api.get("/v1/legal-holds")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"reason": "nothing named"}, 422, "request_id"),
        (
            {"case_number": "A-1", "customer_account_id": "ACCT-1", "reason": "two"},
            422,
            "case_number",
        ),
        ({"case_number": "A-1"}, 422, "reason"),
        ({"case_number": "A-1", "reason": "x"}, 422, "reason"),  # too short to say why
        ({"case_number": "A-1", "reason": "why", "scope": "all"}, 422, "scope"),
        ({"case_number": "   ", "reason": "blank"}, 422, "case_number"),
        ({"request_id": "lp_000000000000000000000000", "reason": "gone"}, 422, "request_id"),
        ({"request_id": "../etc/passwd", "reason": "path"}, 422, "request_id"),
        ({"customer_account_id": "ACCT 1!", "reason": "bad id"}, 422, "customer_account_id"),
        ({"case_number": 12, "reason": "wrong type"}, 422, "case_number"),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field(api, mint, body, status, field):
    response = await api.post("/v1/legal-holds", headers=mint("legal"), json=body)
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["field"] == field, problem


async def test_malformed_json_and_bad_ids_are_problems(api, mint):
    legal = mint("legal")
    malformed = await api.post(
        "/v1/legal-holds",
        headers={**legal, "content-type": "application/json"},
        content=b"{not json",
    )
    assert malformed.status_code == 400 and malformed.json()["field"] == "body"

    bad_id = await api.request(
        "DELETE", "/v1/legal-holds/not-a-hold", headers=legal, json={"reason": "why"}
    )
    assert bad_id.status_code == 400 and bad_id.json()["field"] == "hold_id", bad_id.text

    unknown = await api.request(
        "DELETE",
        "/v1/legal-holds/lh_000000000000000000000000",
        headers=legal,
        json={"reason": "why"},
    )
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("/not-found")

    no_reason = await api.request(
        "DELETE", "/v1/legal-holds/lh_000000000000000000000000", headers=legal, json={}
    )
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
