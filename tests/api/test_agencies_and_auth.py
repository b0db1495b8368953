"""The agencies registry and the token checks in front of every route."""

import time

import jwt

from tests.support import submission, submit


async def test_admin_registers_and_lists_agencies(api, mint, agency):
    listed = await api.get("/v1/agencies", headers=mint("admin"))
    assert listed.status_code == 200
    assert agency["id"] in {a["id"] for a in listed.json()}
    assert agency["callback_number"] == "+19195550199"
    assert "webhook_secret" not in agency


async def test_registering_the_same_agency_twice_conflicts(api, mint, agency):
    body = {
        k: agency[k] for k in ("id", "name", "jurisdiction", "email_domains", "callback_number")
    }
    again = await api.post("/v1/agencies", json=body, headers=mint("admin"))
    assert again.status_code == 409
    assert again.json()["field"] == "id"


async def test_reviewer_cannot_register_agencies(api, mint):
    response = await api.post("/v1/agencies", json={}, headers=mint("reviewer"))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_missing_token_is_401(api):
    response = await api.get("/v1/review-queue")
    assert response.status_code == 401
    assert response.json()["status"] == 401


async def test_expired_token_is_401(api, service_settings):
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": service_settings.jwt_issuer,
            "aud": service_settings.jwt_audience,
            "sub": "x",
            "roles": ["reviewer"],
            "iat": now - 600,
            "exp": now - 300,
        },
        service_settings.jwt_hs256_secret,
        algorithm="HS256",
    )
    response = await api.get("/v1/review-queue", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_forged_token_is_401(api, service_settings):
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": service_settings.jwt_issuer,
            "aud": service_settings.jwt_audience,
            "sub": "x",
            "roles": ["admin"],
            "exp": now + 300,
        },
        "not-the-secret-not-the-secret-not-the-secret",
        algorithm="HS256",
    )
    response = await api.get("/v1/agencies", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_wrong_audience_is_401(api, service_settings):
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": service_settings.jwt_issuer,
            "aud": "someone-else",
            "sub": "x",
            "roles": ["admin"],
            "exp": now + 300,
        },
        service_settings.jwt_hs256_secret,
        algorithm="HS256",
    )
    response = await api.get("/v1/agencies", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_agency_of_unregistered_id_cannot_submit(api, mint):
    response = await submit(api, mint("agency", agency="nobody-pd"), submission())
    assert response.status_code == 403


async def test_health_readiness_and_metrics_need_no_token(api, agency):
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "s3": "ok", "temporal": "ok"}
    await submit(api, agency["headers"], submission())
    metrics = await api.get("/metrics")
    assert metrics.status_code == 200
    assert 'writ_legal_processes{status="received",process_type="subpoena"' in metrics.text
    assert "555" not in metrics.text
