"""/readyz names the dependency that is down, as a problem document."""

import httpx
import msgspec

from services.intake.app import create_app
from services.platform.objectstore import s3_client


async def test_readyz_is_503_naming_an_unreachable_s3(service_settings, register, temporal_env):
    broken = msgspec.structs.replace(service_settings, s3_endpoint="http://127.0.0.1:9")
    app = create_app(broken, register=register, temporal=temporal_env.client, s3=s3_client(broken))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://writ.test"
    ) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["detail"] == "not reachable: s3"
    assert body["checks"]["database"] == "ok" and body["checks"]["temporal"] == "ok"
