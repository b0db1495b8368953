"""Bad submissions: each is a clear 4xx problem document naming the field at fault, and
leaves nothing behind — no register row and no S3 object for the agency."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import msgspec
import pytest

from tests.support import MINIMAL_PDF, submission

# Small enough that an oversized document is cheap to send.
MAX_DOCUMENT_BYTES = 64 * 1024


@pytest.fixture
async def small_api(service_settings, register, temporal_env, s3):
    """The app with a 64 KiB document limit, in the test's loop like the ``api`` fixture."""
    from services.intake.app import create_app

    settings = msgspec.structs.replace(service_settings, max_document_bytes=MAX_DOCUMENT_BYTES)
    app = create_app(settings, register=register, temporal=temporal_env.client, s3=s3)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://writ.test") as client:
        yield client


def multipart(
    metadata: Any = None,
    *,
    document: bytes | None = MINIMAL_PDF,
    raw_metadata: str | None = None,
    with_metadata: bool = True,
) -> dict[str, Any]:
    """httpx arguments for a multipart submission; ``metadata`` defaults to a valid one."""
    data = {}
    if with_metadata:
        data["metadata"] = (
            raw_metadata
            if raw_metadata is not None
            else json.dumps(metadata if metadata is not None else submission())
        )
    files = (
        {"document": ("process.pdf", document, "application/pdf")} if document is not None else None
    )
    if files is None:
        # Still multipart: httpx only encodes form data as multipart when a file is present.
        files = {"unrelated": ("note.txt", b"hello", "text/plain")}
    return {"data": data, "files": files}


def cursor(stamp: str, request_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([stamp, request_id]).encode()).decode()


def future_date() -> str:
    return "2999-01-01"


def token(
    settings, *, roles: list[str], agency: str | None, exp_offset: int, secret: str | None = None
) -> str:
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "x",
        "roles": roles,
        "iat": now - 10,
        "exp": now + exp_offset,
    }
    if agency:
        claims["agency_id"] = agency
    return jwt.encode(claims, secret or settings.jwt_hs256_secret, algorithm="HS256")


@dataclass(frozen=True)
class Bad:
    request: Callable[[], dict[str, Any]]
    status: int
    field: str | None
    # Replaces the agency's own Authorization header: (settings, agency_id) -> headers.
    auth: Callable[[Any, str], dict[str, str]] | None = None
    path: str = "/v1/legal-processes"
    method: str = "POST"


def with_target(kind: str, value: str, index: int = 0) -> dict[str, Any]:
    targets = [{"kind": "telephone_number", "value": "+19195550100"}] * index + [
        {"kind": kind, "value": value}
    ]
    return submission(targets=targets)


CASES = [
    pytest.param(
        Bad(lambda: multipart(raw_metadata='{"process_type": "subpoena",'), 400, "metadata"),
        id="malformed-json-metadata",
    ),
    pytest.param(
        Bad(
            lambda: {
                "content": b'{"process_type": ',
                "headers": {"Content-Type": "application/json"},
            },
            400,
            "body",
        ),
        id="malformed-json-body",
    ),
    pytest.param(
        Bad(lambda: multipart(raw_metadata="[1, 2]"), 422, "metadata"), id="metadata-not-an-object"
    ),
    pytest.param(
        Bad(lambda: multipart(submission(targets="+19195550100")), 422, "targets"), id="wrong-type"
    ),
    pytest.param(
        Bad(
            lambda: multipart(submission(issuer={"kind": 5, "name": "x", "jurisdiction": "US-NC"})),
            422,
            "issuer.kind",
        ),
        id="wrong-type-nested",
    ),
    pytest.param(
        Bad(lambda: multipart(submission(process_type="summons")), 422, "process_type"),
        id="unknown-process-type",
    ),
    pytest.param(
        Bad(
            lambda: multipart(
                submission(
                    non_disclosure_order={"authority": "Wake County", "ends_On": "2027-01-01"}
                )
            ),
            422,
            "non_disclosure_order.ends_On",
        ),
        id="unknown-field-nested",
    ),
    pytest.param(
        Bad(lambda: multipart(submission(casenumber="x")), 422, "casenumber"),
        id="unknown-field-top",
    ),
    pytest.param(
        Bad(
            lambda: multipart({k: v for k, v in submission().items() if k != "officer"}),
            422,
            "officer",
        ),
        id="missing-field",
    ),
    pytest.param(
        Bad(
            lambda: multipart(submission(officer={"email": "j.doe@raleighpd.gov"})),
            422,
            "officer.name",
        ),
        id="missing-field-nested",
    ),
    pytest.param(
        Bad(
            lambda: multipart(with_target("telephone_number", "555-0100")), 422, "targets[0].value"
        ),
        id="bad-phone-number",
    ),
    pytest.param(
        Bad(
            lambda: multipart(with_target("telephone_number", "(919) 555-0100 ext. 12")),
            422,
            "targets[0].value",
        ),
        id="phone-with-extension",
    ),
    pytest.param(
        Bad(
            lambda: multipart(with_target("email", "not-an-email", index=1)),
            422,
            "targets[1].value",
        ),
        id="bad-email-target",
    ),
    pytest.param(
        Bad(
            lambda: multipart(with_target("ip_address", "999.1.2.3", index=2)),
            422,
            "targets[2].value",
        ),
        id="bad-ip-address",
    ),
    pytest.param(Bad(lambda: multipart(submission(targets=[])), 422, "targets"), id="no-targets"),
    pytest.param(
        Bad(lambda: multipart(submission(issued_on="2026-13-01")), 422, "issued_on"),
        id="not-a-date",
    ),
    pytest.param(
        Bad(
            lambda: multipart(submission(date_range={"start": "2026-10-31", "end": "2026-08-01"})),
            422,
            "date_range.end",
        ),
        id="end-before-start",
    ),
    pytest.param(
        Bad(
            lambda: multipart(submission(issued_on=future_date(), return_date=None)),
            422,
            "issued_on",
        ),
        id="issued-in-the-future",
    ),
    pytest.param(
        Bad(lambda: multipart(submission(return_date="2026-01-01")), 422, "return_date"),
        id="return-before-issue",
    ),
    # Issue 13 defect 2: far dates were stored, then failed the workflow for ever.
    pytest.param(
        Bad(lambda: multipart(submission(return_date="9999-12-31")), 422, "return_date"),
        id="return-date-9999",
    ),
    pytest.param(
        Bad(lambda: multipart(submission(return_date="2036-11-03")), 422, "return_date"),
        id="return-date-beyond-ten-years",
    ),
    pytest.param(
        Bad(
            lambda: multipart(submission(date_range={"start": "2026-08-01", "end": "9999-12-31"})),
            422,
            "date_range.end",
        ),
        id="range-ends-9999",
    ),
    pytest.param(
        Bad(
            lambda: multipart(submission(date_range={"start": "0001-01-01", "end": "2026-10-31"})),
            422,
            "date_range.start",
        ),
        id="range-starts-year-1",
    ),
    pytest.param(
        Bad(
            lambda: multipart(
                submission(issued_on="1969-12-31", return_date=None, date_range=None)
            ),
            422,
            "issued_on",
        ),
        id="issued-before-1970",
    ),
    pytest.param(
        Bad(
            lambda: multipart(
                submission(non_disclosure_order={"authority": "E.D.N.C.", "ends_on": "9999-12-31"})
            ),
            422,
            "non_disclosure_order.ends_on",
        ),
        id="ndo-ends-9999",
    ),
    pytest.param(
        Bad(
            lambda: multipart(
                submission(issuer={"kind": "state", "name": "x", "jurisdiction": "nc"})
            ),
            422,
            "issuer.jurisdiction",
        ),
        id="bad-jurisdiction",
    ),
    pytest.param(
        Bad(lambda: multipart(submission(process_type="emergency_request")), 422, "emergency"),
        id="emergency-without-details",
    ),
    pytest.param(
        Bad(lambda: multipart(submission(categories=["content", "content"])), 422, "categories"),
        id="category-twice",
    ),
    pytest.param(
        Bad(lambda: multipart(document=None), 422, "document"), id="missing-document-part"
    ),
    pytest.param(
        Bad(lambda: multipart(with_metadata=False), 422, "metadata"), id="missing-metadata-part"
    ),
    pytest.param(
        Bad(lambda: multipart(document=b"GIF89a not a pdf at all"), 415, "document"),
        id="non-pdf-document",
    ),
    pytest.param(
        Bad(lambda: multipart(document=MINIMAL_PDF[:40]), 415, "document"), id="truncated-pdf"
    ),
    pytest.param(Bad(lambda: multipart(document=b""), 422, "document"), id="empty-document"),
    pytest.param(
        Bad(
            lambda: multipart(document=MINIMAL_PDF[:-6] + b" " * MAX_DOCUMENT_BYTES + b"%%EOF\n"),
            413,
            "document",
        ),
        id="oversized-document",
    ),
    pytest.param(
        Bad(
            lambda: multipart(document=b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024) + b"\n%%EOF\n"),
            413,
            "body",
        ),
        id="body-over-the-request-limit",
    ),
    pytest.param(
        Bad(
            lambda: {
                "content": b"--xyz\r\nContent-Disposition: form-data\r\n\r\nbroken",
                "headers": {"Content-Type": "multipart/form-data; boundary=xyz"},
            },
            400,
            "body",
        ),
        id="malformed-multipart",
    ),
    pytest.param(
        Bad(
            lambda: {"content": b"--xyz--\r\n", "headers": {"Content-Type": "multipart/form-data"}},
            400,
            "body",
        ),
        id="multipart-without-boundary",
    ),
    pytest.param(
        Bad(
            lambda: {
                "content": b'--xyz\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n'
                b"\xff\xfe not utf-8\r\n--xyz--\r\n",
                "headers": {"Content-Type": "multipart/form-data; boundary=xyz"},
            },
            400,
            "body",
        ),
        id="metadata-part-not-utf8",
    ),
    pytest.param(
        Bad(
            lambda: {
                "content": b'--xyz\r\nContent-Disposition: form-data; name="metadata"\r\n'
                b"Content-Type: application/json; charset=klingon\r\n\r\n{}\r\n--xyz--\r\n",
                "headers": {"Content-Type": "multipart/form-data; boundary=xyz"},
            },
            400,
            "body",
        ),
        id="metadata-part-unknown-charset",
    ),
    pytest.param(
        Bad(
            lambda: {
                "content": b"--xyz\r\nContent-Disposition: form-data\r\n\r\nbroken",
                "headers": {"Content-Type": "multipart/form-data; boundary=xyz"},
            },
            400,
            "body",
            path="/v1/documents",
        ),
        id="documents-malformed-multipart",
    ),
    pytest.param(
        Bad(lambda: multipart(document=b"<html>"), 415, "document", path="/v1/documents"),
        id="documents-non-pdf",
    ),
    pytest.param(
        Bad(lambda: multipart(document=None), 422, "document", path="/v1/documents"),
        id="documents-missing-part",
    ),
    pytest.param(
        Bad(
            lambda: multipart(document=MINIMAL_PDF[:-6] + b" " * MAX_DOCUMENT_BYTES + b"%%EOF\n"),
            413,
            "document",
            path="/v1/documents",
        ),
        id="documents-oversized",
    ),
    pytest.param(
        Bad(lambda: {"json": {"document": "x"}}, 415, "Content-Type", path="/v1/documents"),
        id="documents-json",
    ),
    pytest.param(
        Bad(
            lambda: {
                "content": json.dumps(submission()).encode(),
                "headers": {"Content-Type": "text/plain"},
            },
            415,
            "Content-Type",
        ),
        id="wrong-content-type",
    ),
    pytest.param(
        Bad(
            lambda: {"content": json.dumps(submission()).encode(), "headers": {"Content-Type": ""}},
            415,
            "Content-Type",
        ),
        id="no-content-type",
    ),
    pytest.param(
        Bad(
            lambda: {"json": submission(document_id="doc_000000000000000000000000")},
            422,
            "document_id",
        ),
        id="json-with-unknown-document-id",
    ),
    pytest.param(
        Bad(lambda: {"json": submission()}, 422, "document_id"), id="json-without-document"
    ),
    pytest.param(
        Bad(
            lambda: multipart(submission(document_id="doc_000000000000000000000000")),
            422,
            "document_id",
        ),
        id="document-part-and-document-id",
    ),
    pytest.param(
        Bad(
            lambda: {**multipart(), "headers": {"Idempotency-Key": "k" * 201}},
            400,
            "Idempotency-Key",
        ),
        id="idempotency-key-too-long",
    ),
    pytest.param(Bad(lambda: multipart(), 401, None, auth=lambda s, a: {}), id="no-token"),
    pytest.param(
        Bad(
            lambda: multipart(),
            401,
            None,
            auth=lambda s, a: {
                "Authorization": "Bearer " + token(s, roles=["agency"], agency=a, exp_offset=-300)
            },
        ),
        id="expired-token",
    ),
    pytest.param(
        Bad(
            lambda: multipart(),
            401,
            None,
            auth=lambda s, a: {
                "Authorization": "Bearer "
                + token(s, roles=["agency"], agency=a, exp_offset=300, secret="x" * 40)
            },
        ),
        id="forged-token",
    ),
    pytest.param(
        Bad(
            lambda: multipart(),
            401,
            None,
            auth=lambda s, a: {
                "Authorization": "Bearer "
                + token(s, roles=["agency", "reviewer"], agency=a, exp_offset=300)
            },
        ),
        id="agency-token-with-staff-role",
    ),
    pytest.param(
        Bad(
            lambda: multipart(),
            401,
            None,
            auth=lambda s, a: {"Authorization": "Bearer " + base64.b64encode(b"garbage").decode()},
        ),
        id="garbage-token",
    ),
    pytest.param(
        Bad(
            lambda: multipart(),
            403,
            None,
            auth=lambda s, a: {
                "Authorization": "Bearer "
                + token(s, roles=["reviewer"], agency=None, exp_offset=300)
            },
        ),
        id="reviewer-cannot-submit",
    ),
    pytest.param(
        Bad(
            lambda: {}, 400, "cursor", method="GET", path="/v1/legal-processes?cursor=not-a-cursor"
        ),
        id="bad-cursor",
    ),
    pytest.param(
        Bad(
            lambda: {},
            400,
            "cursor",
            method="GET",
            path="/v1/legal-processes?cursor=" + base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        ),
        id="cursor-of-the-wrong-shape",
    ),
    pytest.param(
        Bad(
            lambda: {},
            400,
            "cursor",
            method="GET",
            path="/v1/legal-processes?cursor="
            + base64.urlsafe_b64encode(b'["yesterday", "lp_1"]').decode(),
        ),
        id="cursor-with-a-bad-timestamp",
    ),
    pytest.param(
        Bad(
            lambda: {},
            400,
            "cursor",
            method="GET",
            path="/v1/legal-processes?cursor=" + cursor("9999-12-31T23:59:59-12:00", "lp_1"),
        ),
        id="cursor-past-year-9999-in-utc",
    ),
    pytest.param(
        Bad(
            lambda: {},
            400,
            "cursor",
            method="GET",
            path="/v1/legal-processes?cursor=" + cursor("2026-11-01T00:00:00+00:00", "lp_\u0000"),
        ),
        id="cursor-with-nul-in-id",
    ),
    pytest.param(
        Bad(lambda: {}, 400, "limit", method="GET", path="/v1/legal-processes?limit=0"),
        id="bad-limit",
    ),
    # NUL (U+0000) means nothing in a legal document, and PostgreSQL cannot store or compare it.
    pytest.param(
        Bad(lambda: multipart(submission(case_number="2026-CR-\u0000")), 422, "case_number"),
        id="nul-in-case-number",
    ),
    pytest.param(
        Bad(lambda: multipart(with_target("account_id", "AC\u00001")), 422, "targets[0].value"),
        id="nul-in-target",
    ),
    pytest.param(
        Bad(
            lambda: multipart(submission(officer={"name": "J", "email": "j\u0000@raleighpd.gov"})),
            422,
            "officer.email",
        ),
        id="nul-in-officer-email",
    ),
    pytest.param(
        Bad(lambda: {"json": submission(document_id="doc_\u0000")}, 422, "document_id"),
        id="nul-in-document-id",
    ),
    pytest.param(
        Bad(
            lambda: {**multipart(), "headers": {"Idempotency-Key": "retry\x001"}},
            400,
            "Idempotency-Key",
        ),
        id="nul-in-idempotency-key",
    ),
    pytest.param(
        Bad(lambda: {}, 400, "request_id", method="GET", path="/v1/legal-processes/lp_%00x"),
        id="nul-in-request-id",
    ),
    pytest.param(
        Bad(
            lambda: {
                "json": {
                    "id": "cary-pd",
                    "name": "Cary\u0000PD",
                    "jurisdiction": "US-NC",
                    "email_domains": ["carync.gov"],
                    "callback_number": "+19195550111",
                }
            },
            422,
            "name",
            path="/v1/agencies",
            auth=lambda s, a: {
                "Authorization": "Bearer " + token(s, roles=["admin"], agency=None, exp_offset=300)
            },
        ),
        id="nul-in-agency-name",
    ),
    pytest.param(
        Bad(lambda: {}, 400, "status", method="GET", path="/v1/legal-processes?status=lost"),
        id="bad-status-filter",
    ),
]


@pytest.mark.parametrize("bad", CASES)
async def test_bad_submission_is_a_problem_naming_the_field_and_writes_nothing(
    small_api, agency, footprint, service_settings, bad: Bad
):
    before = await footprint(agency["id"])
    headers = agency["headers"] if bad.auth is None else bad.auth(service_settings, agency["id"])
    kwargs = bad.request()
    headers = {**headers, **kwargs.pop("headers", {})}

    response = await small_api.request(bad.method, bad.path, headers=headers, **kwargs)

    assert response.status_code == bad.status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    problem = response.json()
    assert problem["status"] == bad.status
    assert problem["type"].startswith("https://") and problem["title"] and problem["detail"]
    if bad.field is not None:
        assert problem.get("field") == bad.field, problem
    after = await footprint(agency["id"])
    assert after.requests == before.requests, "a register row was written for a rejected submission"
    assert after.objects == before.objects, "an S3 object was left behind by a rejected submission"


async def test_a_good_submission_does_write(small_api, agency, footprint):
    """The footprint check above can see a write: a valid submission leaves a row and an object."""
    before = await footprint(agency["id"])
    response = await small_api.post(
        "/v1/legal-processes", headers=agency["headers"], **multipart(submission())
    )
    assert response.status_code == 201, response.text
    after = await footprint(agency["id"])
    assert after.requests - before.requests == {response.json()["id"]}
    assert len(after.objects - before.objects) == 1


async def test_cursors_page_through_the_agencys_requests(api, agency):
    """The cursors the API issues are ones it accepts, on either register backend."""
    submitted = set()
    for _ in range(3):
        response = await api.post(
            "/v1/legal-processes", headers=agency["headers"], **multipart(submission())
        )
        assert response.status_code == 201, response.text
        submitted.add(response.json()["id"])
    seen: list[str] = []
    url = "/v1/legal-processes?limit=2"
    while url:
        page = await api.get(url, headers=agency["headers"])
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        next_cursor = page.json()["next_cursor"]
        url = f"/v1/legal-processes?limit=2&cursor={next_cursor}" if next_cursor else ""
    assert len(seen) == len(set(seen)) == 3
    assert set(seen) == submitted


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/v1/no-such-thing", 404, id="unknown-route"),
        pytest.param("DELETE", "/v1/legal-processes", 405, id="unsupported-method"),
        pytest.param("PUT", "/v1/agencies", 405, id="unsupported-method-on-staff-route"),
    ],
)
async def test_routing_errors_are_problems_too(api, agency, method, path, status):
    response = await api.request(method, path, headers=agency["headers"])
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status
