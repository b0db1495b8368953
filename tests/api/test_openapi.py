"""The served OpenAPI document: reachable without a token, an example for every request
body (and each example a body the contracts accept), errors documented as problems."""

from __future__ import annotations

import json
import uuid

import msgspec
import pytest

import contracts.agencies
import contracts.api
import contracts.billing
import contracts.policy_simulation
import contracts.retention
import contracts.submission
from tests.support import MINIMAL_PDF


@pytest.fixture
async def openapi(api) -> dict:
    response = await api.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/")
    return response.json()


def operations(openapi: dict):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield f"{method.upper()} {path}", operation


def contract(ref: str) -> type:
    name = ref.rsplit("/", 1)[-1]
    for module in (
        contracts.api,
        contracts.agencies,
        contracts.retention,
        contracts.billing,
        contracts.policy_simulation,
    ):
        if hasattr(module, name):
            return getattr(module, name)
    return getattr(contracts.submission, name)


async def test_the_docs_are_served_without_a_token(api):
    for path in ("/schema", "/schema/swagger"):
        response = await api.get(path)
        assert response.status_code == 200, path
        assert "text/html" in response.headers["content-type"], path


def test_every_request_body_has_examples_the_contracts_accept(openapi):
    bodies = 0
    for name, operation in operations(openapi):
        body = operation.get("requestBody")
        if not body:
            continue
        for media_type, media in body["content"].items():
            bodies += 1
            examples = media.get("examples") or {}
            assert examples, f"{name} {media_type} has no example"
            for example_name, example in examples.items():
                where = f"{name} {media_type} example {example_name!r}"
                if media_type == "multipart/form-data":
                    parts = media["schema"]["properties"]
                    assert set(media["schema"]["required"]) <= set(example["value"]), where
                    if "metadata" not in parts:
                        continue
                    struct, value = (
                        contract(parts["metadata"]["$ref"]),
                        example["value"]["metadata"],
                    )
                else:
                    struct, value = contract(media["schema"]["$ref"]), example["value"]
                try:
                    msgspec.convert(value, struct, strict=False)
                except msgspec.ValidationError as exc:
                    raise AssertionError(f"{where}: {exc}") from exc
    assert bodies >= 9  # the submission (two encodings), upload, agency, and five request updates


def test_every_error_is_documented_as_a_problem(openapi):
    for name, operation in operations(openapi):
        if not name.startswith(("GET /v1", "POST /v1")):
            continue
        responses = operation["responses"]
        errors = [status for status in responses if status.startswith("4")]
        assert errors, name
        for status in errors:
            assert "application/problem+json" in responses[status]["content"], (name, status)
        if "400" in responses:  # a problem document, never Litestar's validation-error shape
            assert list(responses["400"]["content"]) == ["application/problem+json"], name


async def test_the_submission_examples_are_accepted(api, agency, openapi):
    """What the docs show an agency actually works (with the example's case number changed,
    so it is not linked to a request another test made from the same example)."""
    media = openapi["paths"]["/v1/legal-processes"]["post"]["requestBody"]["content"][
        "multipart/form-data"
    ]
    for index, example in enumerate(media["examples"].values()):
        metadata = {**example["value"]["metadata"], "case_number": f"DOCS-{agency['id']}-{index}"}
        response = await api.post(
            "/v1/legal-processes",
            headers=agency["headers"],
            files={"document": ("process.pdf", MINIMAL_PDF, "application/pdf")},
            data={"metadata": json.dumps(metadata)},
        )
        assert response.status_code == 201, response.text


async def test_the_agency_example_registers(api, mint, openapi):
    media = openapi["paths"]["/v1/agencies"]["post"]["requestBody"]["content"]["application/json"]
    for example in media["examples"].values():
        body = {**example["value"], "id": f"{example['value']['id']}-{uuid.uuid4().hex[:8]}"}
        response = await api.post("/v1/agencies", headers=mint("admin"), json=body)
        assert response.status_code == 201, response.text
