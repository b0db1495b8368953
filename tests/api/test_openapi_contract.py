"""An integrator builds a client from /schema/openapi.json alone: this walks the served
document and fails on any operation that does not say the role it needs, every error it
can answer with (each a problem document with an example), and a success example; on the
download not being binary zip; on the token's claims and the webhooks being undocumented."""

from __future__ import annotations

import pytest

LITESTAR_DEFAULT_DESCRIPTIONS = {
    "Request fulfilled, document follows",
    "Document created, URL follows",
    "Stream Response",
    "File Download",
    "Request fulfilled, nothing follows",
}
WEBHOOK_FIELDS = {
    "event",
    "request_id",
    "download_url",
    "download_expires_at",
    "archive_sha256",
    "manifest_sha256",
    "total_records",
}


@pytest.fixture
async def openapi(api) -> dict:
    response = await api.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    return response.json()


def operations(openapi: dict):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method.upper(), path, operation


def test_the_document_is_openapi_3_1(openapi):
    assert openapi["openapi"].startswith("3.1")


def test_every_operation_states_its_role_errors_and_examples(openapi):
    checked = 0
    for method, path, operation in operations(openapi):
        name = f"{method} {path}"
        assert "Required role:" in operation.get("description", ""), name
        responses = operation["responses"]
        assert "4XX" not in responses, f"{name}: a generic 4XX instead of each error"
        for status, response in responses.items():
            assert response["description"] not in LITESTAR_DEFAULT_DESCRIPTIONS, (name, status)
        if not path.startswith("/v1"):
            continue
        checked += 1
        expected = {"400", "401", "403", "422"}
        if "{" in path:
            expected.add("404")
        assert expected <= set(responses), f"{name}: missing {expected - set(responses)}"
        for status, response in responses.items():
            if status.startswith("4"):
                media = response["content"]["application/problem+json"]
                assert media["schema"]["title"] == "Problem", (name, status)
                (example,) = media["examples"].values()
                assert example["value"]["status"] == int(status), (name, status)
                assert example["value"]["type"].startswith("https://writ.example/problems/")
            elif status.startswith("2") and response.get("content"):
                for media_type, media in response["content"].items():
                    if media_type == "application/zip":
                        continue
                    assert media.get("examples"), f"{name} {status} {media_type}: no example"
    assert checked >= 30


def test_submission_and_download_errors_are_all_listed(openapi):
    submit = openapi["paths"]["/v1/legal-processes"]["post"]["responses"]
    assert {"201", "200", "401", "403", "413", "415", "422", "429"} <= set(submit)
    upload = openapi["paths"]["/v1/documents"]["post"]["responses"]
    assert {"413", "415"} <= set(upload)
    decide = openapi["paths"]["/v1/legal-processes/{request_id}/decisions"]["post"]
    assert "409" in decide["responses"]
    assert "`reviewer`" in decide["description"]
    register = openapi["paths"]["/v1/agencies"]["post"]["responses"]
    assert "409" in register


def test_the_download_is_binary_zip(openapi):
    download = openapi["paths"]["/v1/legal-processes/{request_id}/production"]["get"]
    ok = download["responses"]["200"]
    assert ok["content"] == {"application/zip": {"schema": {"type": "string", "format": "binary"}}}
    assert "429" in download["responses"]


def test_the_bearer_scheme_names_the_claims(openapi):
    scheme = openapi["components"]["securitySchemes"]["bearer"]
    assert scheme["scheme"] == "bearer" and scheme["bearerFormat"] == "JWT"
    for claim in ("`iss`", "`aud`", "`sub`", "`agency_id`", "`roles`", "`exp`"):
        assert claim in scheme["description"], claim


def test_webhooks_describe_the_payload_and_signature(openapi):
    hook = openapi["webhooks"]["production.ready"]["post"]
    media = hook["requestBody"]["content"]["application/json"]
    assert set(media["schema"]["required"]) == WEBHOOK_FIELDS
    assert set(media["schema"]["properties"]) == WEBHOOK_FIELDS
    (example,) = media["examples"].values()
    assert set(example["value"]) == WEBHOOK_FIELDS
    headers = {p["name"]: p for p in hook["parameters"] if p["in"] == "header"}
    assert set(headers) == {"Writ-Signature", "Writ-Delivery-Id"}
    signature = headers["Writ-Signature"]["description"]
    assert "UTF-8" in signature and "`<t>.`" in signature and "one `v1` per secret" in signature
