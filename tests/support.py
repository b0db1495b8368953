"""Helpers shared by the API and end-to-end tests."""

from __future__ import annotations

import asyncio
import uuid

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def submission(**overrides) -> dict:
    """A valid subpoena submission; tests override what they examine."""
    body = {
        "process_type": "subpoena",
        "issuer": {"kind": "state", "name": "Wake County Superior Court", "jurisdiction": "US-NC"},
        "issued_on": "2026-11-02",
        "officer": {"name": "Jordan Doe", "email": "j.doe@raleighpd.gov", "badge": "4411"},
        "case_number": f"2026-CR-{uuid.uuid4().hex[:6]}",
        "targets": [{"kind": "telephone_number", "value": "(919) 555-0100"}],
        "categories": ["subscriber_info", "toll_records"],
        "date_range": {"start": "2026-08-01", "end": "2026-10-31"},
        "return_date": "2026-12-01",
    }
    body.update(overrides)
    return body


async def submit(
    api,
    headers: dict,
    body: dict,
    *,
    document: bytes = MINIMAL_PDF,
    extra_headers: dict | None = None,
):
    import json

    return await api.post(
        "/v1/legal-processes",
        files={"document": ("process.pdf", document, "application/pdf")},
        data={"metadata": json.dumps(body)},
        headers={**headers, **(extra_headers or {})},
    )


async def wait_for_status(
    api, headers, request_id: str, wanted: set[str], timeout: float = 60.0
) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await api.get(f"/v1/legal-processes/{request_id}", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in wanted:
            return body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"status stayed {body['status']}, wanted {wanted}: {body}")
        await asyncio.sleep(0.2)
