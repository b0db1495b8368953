"""Who may call what: every endpoint against every kind of caller.

"Allowed" means the guards let the call through: whatever the endpoint then answers (a
409 because the workflow is not waiting for that update is fine), it is not 401 or 403,
and for a request of the caller's own agency not the 404 that hides other agencies'
requests. "Denied" is 401 without a token, 403 for a role the endpoint is not for, and
404 — exactly what an unknown id gets — for another agency's request.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import LiveWorld
from tests.support import MINIMAL_PDF, submission

ROLES = [
    "agency_own",
    "agency_other",
    "reviewer",
    "legal",
    "billing",
    "auditor",
    "admin",
    "customer",
    "anonymous",
]
STAFF_READ = {"reviewer", "legal", "auditor", "admin"}
AGENCIES = {"agency_own", "agency_other"}
EVERYONE = set(ROLES)
UNKNOWN_ID = "lp_000000000000000000000000"
UNKNOWN_HOLD = "lh_000000000000000000000000"
BILLING_READERS = frozenset({"billing", "auditor", "admin", "customer"})


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {id} is a request of the own agency, held for review
    allowed: frozenset[str]
    body: Callable[[LiveWorld], dict[str, Any]] = lambda world: {}
    # Scoped to one request: another agency gets the 404 an unknown id gets.
    per_request: bool = False
    public: bool = False


def multipart_submission(world: LiveWorld) -> dict[str, Any]:
    return {
        "files": {"document": ("process.pdf", MINIMAL_PDF, "application/pdf")},
        "data": {"metadata": json.dumps(submission())},
    }


def new_agency(world: LiveWorld) -> dict[str, Any]:
    return {
        "json": {
            "id": f"pd-{uuid.uuid4().hex[:10]}",
            "name": "Cary PD",
            "jurisdiction": "US-NC",
            "email_domains": ["carync.gov"],
            "callback_number": "+1 919 555 0111",
        }
    }


ENDPOINTS = {
    "healthz": Endpoint("GET", "/healthz", frozenset(EVERYONE), public=True),
    "readyz": Endpoint("GET", "/readyz", frozenset(EVERYONE), public=True),
    "metrics": Endpoint("GET", "/metrics", frozenset(EVERYONE), public=True),
    "openapi": Endpoint("GET", "/schema/openapi.json", frozenset(EVERYONE), public=True),
    "submit": Endpoint(
        "POST", "/v1/legal-processes", frozenset(AGENCIES), body=multipart_submission
    ),
    "upload-document": Endpoint(
        "POST",
        "/v1/documents",
        frozenset(AGENCIES),
        body=lambda w: {"files": {"document": ("process.pdf", MINIMAL_PDF, "application/pdf")}},
    ),
    "list-own": Endpoint("GET", "/v1/legal-processes", frozenset(AGENCIES)),
    "read": Endpoint(
        "GET", "/v1/legal-processes/{id}", frozenset({"agency_own"} | STAFF_READ), per_request=True
    ),
    "read-submission": Endpoint(
        "GET",
        "/v1/legal-processes/{id}/submission",
        frozenset({"agency_own"} | STAFF_READ),
        per_request=True,
    ),
    "respond": Endpoint(
        "POST",
        "/v1/legal-processes/{id}/responses",
        frozenset({"agency_own"}),
        body=lambda w: {"json": {"text": "The account is the one ending 0100."}},
        per_request=True,
    ),
    # Withdrawing is allowed in review, so the allowed cell withdraws a request of its own (below).
    "withdraw": Endpoint(
        "POST",
        "/v1/legal-processes/{id}/withdraw",
        frozenset({"agency_own"}),
        body=lambda w: {"json": {"reason": "filed in error"}},
        per_request=True,
    ),
    "extend": Endpoint(
        "POST", "/v1/legal-processes/{id}/extensions", frozenset({"agency_own"}), per_request=True
    ),
    "production": Endpoint(
        "GET", "/v1/legal-processes/{id}/production", frozenset({"agency_own"}), per_request=True
    ),
    # A rejection without a reason code fails the workflow's validator: past the guards, nothing
    # changes.
    "decide": Endpoint(
        "POST",
        "/v1/legal-processes/{id}/decisions",
        frozenset({"reviewer", "legal"}),
        body=lambda w: {"json": {"action": "reject"}},
        per_request=True,
    ),
    "verify-requester": Endpoint(
        "POST",
        "/v1/legal-processes/{id}/verification",
        frozenset({"reviewer", "legal"}),
        body=lambda w: {"json": {"verified": True}},
        per_request=True,
    ),
    "record-callback": Endpoint(
        "POST",
        "/v1/legal-processes/{id}/callback",
        frozenset({"reviewer", "legal"}),
        body=lambda w: {"json": {"number_called": "+19195550199"}},
        per_request=True,
    ),
    "assign": Endpoint(
        "POST",
        "/v1/legal-processes/{id}/assignment",
        frozenset({"reviewer", "legal"}),
        body=lambda w: {"json": {}},
        per_request=True,
    ),
    "audit": Endpoint(
        "GET", "/v1/legal-processes/{id}/audit", frozenset(STAFF_READ), per_request=True
    ),
    "review-queue": Endpoint("GET", "/v1/review-queue", frozenset(STAFF_READ)),
    "disclosures": Endpoint("GET", "/v1/disclosures", frozenset({"auditor", "legal", "admin"})),
    "list-agencies": Endpoint("GET", "/v1/agencies", frozenset({"admin"})),
    "register-agency": Endpoint("POST", "/v1/agencies", frozenset({"admin"}), body=new_agency),
    # The agency registry ({agency_id} is the own agency): an agency reads only its own.
    "read-agency": Endpoint("GET", "/v1/agencies/{agency_id}", frozenset({"admin", "agency_own"})),
    "update-agency": Endpoint(
        "PATCH",
        "/v1/agencies/{agency_id}",
        frozenset({"admin"}),
        body=lambda w: {"json": {"name": "Raleigh Police Department"}},
    ),
    "agency-history": Endpoint("GET", "/v1/agencies/{agency_id}/history", frozenset({"admin"})),
    "add-officer": Endpoint(
        "POST",
        "/v1/agencies/{agency_id}/officers",
        frozenset({"admin"}),
        body=lambda w: {
            "json": {"name": "Sam Rivera", "email": f"s.{uuid.uuid4().hex[:8]}@raleighpd.gov"}
        },
    ),
    "deactivate-officer": Endpoint(
        "POST", "/v1/agencies/{agency_id}/officers/{email}/deactivate", frozenset({"admin"})
    ),
    "reactivate-officer": Endpoint(
        "POST", "/v1/agencies/{agency_id}/officers/{email}/reactivate", frozenset({"admin"})
    ),
    "rotate-webhook-secret": Endpoint(
        "POST",
        "/v1/agencies/{agency_id}/webhook-secret",
        frozenset({"admin"}),
        body=lambda w: {"json": {"overlap_hours": 1}},
    ),
    # Public by design: anyone holding a production must be able to check its signature.
    "jwks": Endpoint("GET", "/.well-known/jwks.json", frozenset(ROLES)),
    # Retention: legal places and lifts holds; legal and auditors read them.
    "list-legal-holds": Endpoint("GET", "/v1/legal-holds", frozenset({"legal", "auditor"})),
    "place-legal-hold": Endpoint(
        "POST",
        "/v1/legal-holds",
        frozenset({"legal"}),
        body=lambda w: {"json": {"case_number": "2026-CR-9", "reason": "litigation hold"}},
    ),
    # The allowed cell lifts a hold of its own (below).
    "lift-legal-hold": Endpoint(
        "DELETE",
        "/v1/legal-holds/{hold_id}",
        frozenset({"legal"}),
        body=lambda w: {"json": {"reason": "matter closed"}},
    ),
    # Issue 11: the policy simulator (legal, admin) and number lookups (verified agencies; a
    # bad date is refused past the guards and the officer check, 422, so no lake is read).
    "simulate-policy": Endpoint(
        "POST",
        "/v1/policy/simulations",
        frozenset({"legal", "admin"}),
        body=lambda w: {"json": {"policy": {"domicile_state": "US-NC"}}},
    ),
    # The allowed cell reads a simulation of its own (below).
    "read-policy-simulation": Endpoint(
        "GET", "/v1/policy/simulations/{simulation_id}", frozenset({"legal", "admin"})
    ),
    "number-lookup": Endpoint(
        "GET", "/v1/number-lookups?number=%2B19195550101&date=not-a-day", frozenset(AGENCIES)
    ),
    # The literal "{period}" is refused as a period (400) past the guards: nothing is published.
    "transparency-report": Endpoint(
        "GET", "/v1/transparency-reports/{{period}}", frozenset({"auditor", "legal", "admin"})
    ),
    "transparency-publish": Endpoint(
        "POST", "/v1/transparency-reports/{{period}}/publish", frozenset({"legal", "admin"})
    ),
    # Billing (docs/billing.md): {invoice_id} is the world customer's posted invoice.
    "list-invoices": Endpoint("GET", "/v1/invoices", BILLING_READERS),
    "read-invoice": Endpoint("GET", "/v1/invoices/{invoice_id}", BILLING_READERS),
    "dispute-invoice": Endpoint(
        "POST",
        "/v1/invoices/{invoice_id}/disputes",
        frozenset({"customer", "billing"}),
        body=lambda w: {"json": {"reason": "not our number"}},
    ),
    "list-disputes": Endpoint("GET", "/v1/disputes", frozenset({"billing", "auditor", "admin"})),
    # A decline without a reason is refused past the guards (422): nothing changes.
    "decide-dispute": Endpoint(
        "POST",
        "/v1/disputes/{dispute_id}/decision",
        frozenset({"billing"}),
        body=lambda w: {"json": {"action": "decline"}},
    ),
    "credit-note": Endpoint(
        "POST",
        "/v1/invoices/{invoice_id}/credit-notes",
        frozenset({"billing"}),
        body=lambda w: {"json": {"reason": "correction", "amount": 1}},
    ),
    "billing-summary": Endpoint(
        "GET", "/v1/billing/summary", frozenset({"billing", "auditor", "admin"})
    ),
    # No charge is held for the request in review: legal passes the guard and gets a 409.
    "billing-release": Endpoint(
        "POST",
        "/v1/legal-processes/{id}/billing-release",
        frozenset({"legal"}),
        body=lambda w: {"json": {"reason": "order lifted"}},
    ),
}


def expected_denial(endpoint: Endpoint, role: str) -> int | None:
    if role in endpoint.allowed:
        return None
    if role == "anonymous":
        return 401
    if role == "agency_other" and endpoint.per_request and "agency_own" in endpoint.allowed:
        return 404
    return 403


MATRIX = [pytest.param(name, role, id=f"{name}-{role}") for name in ENDPOINTS for role in ROLES]


@pytest.fixture(scope="module")
async def billing_documents(live_world: LiveWorld) -> dict[str, str]:
    """A posted invoice of the world's customer for the request in review, and a pending
    dispute on it (written through the ledger: no lake is needed to price it)."""
    import datetime as dt

    from contracts.billing import ChargeHold, ChargeItem, CustomerInvoice, Invoice, InvoiceLine
    from contracts.determination import LegalEntity
    from services.register.billing import BillingLedger
    from tests.api.conftest import WORLD_CUSTOMER

    now = dt.datetime.now(dt.UTC)
    line = InvoiceLine(
        item=ChargeItem.PER_REQUEST, description="Handling", quantity=1, unit_amount=2500,
        request_amount=2500, amount=2500,
    )  # fmt: skip
    invoice = Invoice(
        request_id=live_world.in_review,
        service_date=now.date(),
        customers=[
            CustomerInvoice(
                account_id=WORLD_CUSTOMER,
                legal_entity=LegalEntity.US,
                currency="USD",
                share="1",
                lines=[line],
                total=2500,
            )  # fmt: skip
        ],
    )
    ledger = BillingLedger(live_world.register.engine)
    await ledger.prepare_charge(invoice, ChargeHold(), now)
    (posted,) = await ledger.post_charge(live_world.in_review, now)
    dispute = await ledger.open_dispute(
        posted["id"], opened_by="customer@writ", reason="x", amount=None, now=now
    )
    return {"invoice_id": posted["id"], "dispute_id": dispute["id"]}


@pytest.mark.parametrize(("name", "role"), MATRIX)
async def test_authorization_matrix(
    live_world: LiveWorld, billing_documents: dict[str, str], name: str, role: str
):
    endpoint = ENDPOINTS[name]
    request_id = live_world.in_review
    if name == "withdraw" and role in endpoint.allowed:
        request_id = await live_world.submit_in_review()
    hold_id = UNKNOWN_HOLD
    if name == "lift-legal-hold" and role in endpoint.allowed:
        placed = await live_world.api.post(
            "/v1/legal-holds",
            headers=live_world.headers("legal"),
            json={"case_number": "2026-CR-9", "reason": "litigation hold"},
        )
        hold_id = placed.json()["id"]
    simulation_id = "ps_000000000000000000000000"
    if name == "read-policy-simulation" and role in endpoint.allowed:
        made = await live_world.api.post(
            "/v1/policy/simulations", headers=live_world.headers("legal"), json={"policy": {}}
        )
        simulation_id = made.json()["id"]
    path = endpoint.path.format(
        id=request_id,
        hold_id=hold_id,
        simulation_id=simulation_id,
        agency_id=live_world.own_agency,
        email="j.doe@raleighpd.gov",
        **billing_documents,
    )
    if name == "deactivate-officer" and role in endpoint.allowed:
        # Deactivate an officer added for this cell: the world's officer stays active.
        officer = f"gone.{uuid.uuid4().hex[:8]}@raleighpd.gov"
        added = await live_world.api.post(
            f"/v1/agencies/{live_world.own_agency}/officers",
            headers=live_world.headers("admin"),
            json={"name": "Gone", "email": officer},
        )
        assert added.status_code == 201, added.text
        path = path.replace("j.doe@raleighpd.gov", officer)

    response = await live_world.api.request(
        endpoint.method, path, headers=live_world.headers(role), **endpoint.body(live_world)
    )

    assert response.status_code < 500, response.text
    denial = expected_denial(endpoint, role)
    if denial is None:
        assert response.status_code not in (401, 403), response.text
        if response.status_code == 404:
            # Only the "nothing to download yet" answer of the production endpoint, never the
            # hiding one.
            assert response.json()["type"].endswith("/no-production"), response.text
        return
    assert response.status_code == denial, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if denial == 401:
        assert response.headers.get("www-authenticate", "").startswith("Bearer")
    if endpoint.per_request:
        # The same answer as for an id that does not exist: a denial never discloses existence.
        unknown = await live_world.api.request(
            endpoint.method,
            endpoint.path.format(id=UNKNOWN_ID),
            headers=live_world.headers(role),
            **endpoint.body(live_world),
        )
        assert unknown.status_code == denial, unknown.text
        assert response.json()["type"] == unknown.json()["type"]
        assert response.json()["detail"].replace(request_id, "ID") == unknown.json()[
            "detail"
        ].replace(UNKNOWN_ID, "ID")


def test_every_served_operation_is_in_the_matrix(live_world_schema):
    served = {
        (method.upper(), path)
        for path, operations in live_world_schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }

    class AsDocumented(dict):
        def __missing__(self, key: str) -> str:  # {hold_id} -> {hold_id}, as OpenAPI names it
            return "{" + key + "}"

    covered = {
        (e.method, e.path.format_map(AsDocumented(id="{request_id}")).split("?")[0])
        for e in ENDPOINTS.values()
    }
    assert served - covered == set()


@pytest.fixture
async def live_world_schema(live_world: LiveWorld) -> dict:
    response = await live_world.api.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


async def test_the_allowed_withdrawal_really_withdrew(live_world: LiveWorld):
    request_id = await live_world.submit_in_review()
    response = await live_world.api.post(
        f"/v1/legal-processes/{request_id}/withdraw",
        headers=live_world.headers("agency_own"),
        json={"reason": "x"},
    )
    assert response.status_code == 200, response.text
    await live_world.wait_for_status(request_id, "withdrawn")


async def test_another_agency_never_lists_or_reads_the_request(live_world: LiveWorld):
    mine = await live_world.api.get("/v1/legal-processes", headers=live_world.headers("agency_own"))
    theirs = await live_world.api.get(
        "/v1/legal-processes", headers=live_world.headers("agency_other")
    )
    assert live_world.in_review in {item["id"] for item in mine.json()["items"]}
    assert live_world.in_review not in theirs.text
    assert all(item["agency_id"] == live_world.other_agency for item in theirs.json()["items"])


@pytest.mark.parametrize(
    ("decision", "status", "named"),
    [
        # The API refuses a rejection without its reason code before the workflow sees it.
        pytest.param({"action": "reject"}, 422, "reason_code", id="reject-without-reason"),
        # The workflow's validator refuses an approval wider than the law allows.
        pytest.param(
            {"action": "approve", "categories": ["content"]},
            409,
            "content",
            id="approve-wider-than-allowed",
        ),
    ],
)
async def test_staff_decisions_leave_the_request_unchanged_when_refused(
    live_world: LiveWorld, decision: dict, status: int, named: str
):
    """A decision the matrix allows but the request refuses: nothing moved."""
    response = await live_world.api.post(
        f"/v1/legal-processes/{live_world.in_review}/decisions",
        headers=live_world.headers("reviewer"),
        json=decision,
    )
    assert response.status_code == status, response.text
    assert named in response.json()["detail"]
    record = await live_world.register.legal_processes.get(live_world.in_review)
    assert record.status == "in_review"


async def test_an_update_to_a_finished_request_is_a_conflict(live_world: LiveWorld, temporal_env):
    """Temporal answers NOT_FOUND for an update to a completed workflow: the API says the
    request has finished (409), not that the service is unavailable."""
    request_id = await live_world.submit_in_review()
    withdrawn = await live_world.api.post(
        f"/v1/legal-processes/{request_id}/withdraw",
        headers=live_world.headers("agency_own"),
        json={"reason": "x"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await asyncio.wait_for(temporal_env.client.get_workflow_handle(request_id).result(), 30)

    again = await live_world.api.post(
        f"/v1/legal-processes/{request_id}/withdraw",
        headers=live_world.headers("agency_own"),
        json={"reason": "again"},
    )
    assert again.status_code == 409, again.text
    assert again.json()["title"] == "Request finished"
