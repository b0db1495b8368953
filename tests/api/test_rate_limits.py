"""Per-agency abuse limits (issue 13): submissions and downloads over the configured rate
get a 429 problem with ``Retry-After``; another agency's window is its own."""

from __future__ import annotations

import uuid

import httpx
import msgspec
import pytest

from services.intake.ratelimits import AgencyRateLimits, RateLimitSettingError
from tests.support import submission, submit


@pytest.fixture
async def limited_api(service_settings, register, temporal_env, s3):
    from services.intake.app import create_app

    settings = msgspec.structs.replace(
        service_settings, rate_limit_submissions="3/minute", rate_limit_downloads="2/hour"
    )
    app = create_app(settings, register=register, temporal=temporal_env.client, s3=s3)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://writ.test") as client:
        yield client


async def _agency(api, mint) -> dict:
    agency_id = f"pd-{uuid.uuid4().hex[:10]}"
    body = {
        "id": agency_id,
        "name": "Raleigh Police Department",
        "jurisdiction": "US-NC",
        "email_domains": ["raleighpd.gov"],
        "callback_number": "+1 919 555 0199",
        "officers": [{"name": "Jordan Doe", "email": "j.doe@raleighpd.gov", "badge": "4411"}],
    }
    response = await api.post("/v1/agencies", json=body, headers=mint("admin", sub="admin"))
    assert response.status_code == 201, response.text
    return mint("agency", sub="j.doe@raleighpd.gov", agency=agency_id)


def _assert_limited(response: httpx.Response, kind: str, window_seconds: int) -> None:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= window_seconds
    problem = response.json()
    assert problem["type"].endswith("/rate-limited")
    assert problem["retry_after"] == retry_after
    assert kind in problem["detail"]


async def test_submissions_over_the_limit_are_refused_per_agency(limited_api, mint, register):
    first, second = await _agency(limited_api, mint), await _agency(limited_api, mint)
    for _ in range(3):
        created = await submit(limited_api, first, submission())
        assert created.status_code == 201, created.text
    refused = await submit(limited_api, first, submission())
    _assert_limited(refused, "submissions", 60)
    listed = await limited_api.get("/v1/legal-processes", headers=first)
    assert len(listed.json()["items"]) == 3  # the refused one wrote nothing
    # Uploading a document counts as a submission too.
    upload = await limited_api.post(
        "/v1/documents",
        files={"document": ("p.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        headers=first,
    )
    _assert_limited(upload, "submissions", 60)
    assert (await submit(limited_api, second, submission())).status_code == 201


async def test_downloads_over_the_limit_are_refused(limited_api, mint):
    headers = await _agency(limited_api, mint)
    created = await submit(limited_api, headers, submission())
    request_id = created.json()["id"]
    path = f"/v1/legal-processes/{request_id}/production"
    for _ in range(2):
        assert (await limited_api.get(path, headers=headers)).status_code == 404  # none yet
    _assert_limited(await limited_api.get(path, headers=headers), "downloads", 3600)


def test_a_malformed_limit_names_its_setting(service_settings) -> None:
    bad = msgspec.structs.replace(service_settings, rate_limit_downloads="lots")
    with pytest.raises(RateLimitSettingError, match="WRIT_RATE_LIMIT_DOWNLOADS"):
        AgencyRateLimits(bad)
    off = msgspec.structs.replace(service_settings, rate_limit_downloads="")
    AgencyRateLimits(off).check("downloads", "pd-x")  # empty: no limit
