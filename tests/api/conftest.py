"""Fixtures for the intake API tests.

Most API tests run without a workflow worker: a submission starts its workflow, which then
waits for a worker that never comes. Reads answer from the register once the workflow's
``state`` query times out, so the tests shorten that timeout. Tests that act on a live
workflow (updates block until a worker takes them) use ``live_world``: a worker running
the real ``LegalProcessWorkflow`` whose activities are doubles that mirror status into the
real register and hold every request for human review.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec
import pytest
from temporalio import activity
from temporalio.worker import Worker

from contracts.determination import Determination, Disposition
from contracts.workflow import Assessment, LegalProcessInput, StatusChange
from services.intake.auth.tokens import mint_local_token
from services.intake.legal_processes import services as intake_services
from services.platform.settings import Settings
from services.workflows.legal_process.workflows import LegalProcessWorkflow
from tests.support import submission, submit


@pytest.fixture(autouse=True)
def quick_live_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """No worker answers the ``state`` query in most of these tests; do not wait 5 s for it."""
    monkeypatch.setattr(intake_services, "LIVE_STATE_TIMEOUT_SECONDS", 0.5)


# -- what a request left behind ------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """Everything an agency has in the register and under its documents prefix in S3."""

    requests: frozenset[str]
    objects: frozenset[str]


async def written(register, s3, settings: Settings, agency_id: str) -> Written:
    records = await register.legal_processes.list(agency_id=agency_id, limit=10_000)

    def keys() -> frozenset[str]:
        found: set[str] = set()
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(
            Bucket=settings.documents_bucket, Prefix=f"documents/{agency_id}/"
        ):
            found.update(obj["Key"] for obj in page.get("Contents", []))
        return frozenset(found)

    return Written(requests=frozenset(r.id for r in records), objects=await asyncio.to_thread(keys))


@pytest.fixture
def footprint(register, s3, service_settings):
    """``await footprint(agency_id)``: the agency's register rows and S3 document keys."""

    async def take(agency_id: str) -> Written:
        return await written(register, s3, service_settings, agency_id)

    return take


# -- a live workflow worker ----------------------------------------------------------------


def held_for_review_activities(register) -> list:
    """``record_status`` mirrors into the real register; ``assess`` holds every request for a
    person, so updates meet a workflow that is waiting (or refuse it with a validator error)."""

    @activity.defn(name="record_status")
    async def record_status(change: StatusChange) -> None:
        await register.legal_processes.apply_status_change(change)

    @activity.defn(name="assess")
    async def assess(arg: LegalProcessInput) -> Assessment:
        return Assessment(
            determination=Determination(
                disposition=Disposition.PROCEED,
                allowed_categories=list(arg.process.categories),
                human_review_required=True,
            )
        )

    return [record_status, assess]


WORLD_CUSTOMER = (
    "ACWORLDCUSTOMER"  # the account billed in the world (tests/api/test_authorization.py)
)


@dataclass
class LiveWorld:
    """An app with a worker behind it, two registered agencies and a request in review."""

    api: httpx.AsyncClient
    settings: Settings
    register: Any
    own_agency: str
    other_agency: str
    in_review: str
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        return dict(self.tokens[role])

    async def submit_in_review(self, **overrides: Any) -> str:
        """A new request of the own agency, returned once it waits for review."""
        response = await submit(self.api, self.headers("agency_own"), submission(**overrides))
        assert response.status_code == 201, response.text
        request_id = response.json()["id"]
        await self.wait_for_status(request_id, "in_review")
        return request_id

    async def wait_for_status(self, request_id: str, status: str, timeout: float = 20.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            record = await self.register.legal_processes.get(request_id)
            if record is not None and record.status == status:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"{request_id} never reached {status}; last: {record and record.status}"
                )
            await asyncio.sleep(0.05)


def _token(settings: Settings, *roles: str, sub: str, agency: str | None = None) -> dict[str, str]:
    token = mint_local_token(
        settings, subject=sub, roles=list(roles), agency_id=agency, ttl_seconds=3600
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def live_world(settings: Settings, register, temporal_env, s3) -> AsyncIterator[LiveWorld]:
    from services.intake.app import create_app

    world_settings = msgspec.structs.replace(settings, task_queue=f"writ-api-{uuid.uuid4()}")
    app = create_app(world_settings, register=register, temporal=temporal_env.client, s3=s3)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
        async with (
            Worker(
                temporal_env.client,
                task_queue=world_settings.task_queue,
                workflows=[LegalProcessWorkflow],
                activities=held_for_review_activities(register),
                activity_executor=executor,
            ),
            httpx.AsyncClient(transport=transport, base_url="http://writ.test", timeout=60) as api,
        ):
            admin = _token(world_settings, "admin", sub="admin@writ")
            agency_ids = []
            for _ in range(2):
                agency_id = f"pd-{uuid.uuid4().hex[:10]}"
                registered = await api.post(
                    "/v1/agencies",
                    headers=admin,
                    json={
                        "id": agency_id,
                        "name": "Raleigh Police Department",
                        "jurisdiction": "US-NC",
                        "email_domains": ["raleighpd.gov"],
                        "callback_number": "+1 919 555 0199",
                        "officers": [{"name": "Jordan Doe", "email": "j.doe@raleighpd.gov"}],
                    },
                )
                assert registered.status_code == 201, registered.text
                agency_ids.append(agency_id)
            own, other = agency_ids
            tokens = {
                "agency_own": _token(
                    world_settings, "agency", sub="j.doe@raleighpd.gov", agency=own
                ),
                "agency_other": _token(
                    world_settings, "agency", sub="j.doe@raleighpd.gov", agency=other
                ),
                "anonymous": {},
                **{
                    role: _token(world_settings, role, sub=f"{role}@writ")
                    for role in ("reviewer", "legal", "billing", "auditor", "admin")
                },
                # Billing: a customer token names its account (docs/billing.md).
                "customer": {
                    "Authorization": "Bearer "
                    + mint_local_token(
                        world_settings,
                        subject="customer@writ",
                        roles=["customer"],
                        account_id=WORLD_CUSTOMER,
                    )
                },
            }
            world = LiveWorld(
                api=api,
                settings=world_settings,
                register=register,
                own_agency=own,
                other_agency=other,
                in_review="",
                tokens=tokens,
            )
            world.in_review = await world.submit_in_review()
            yield world
