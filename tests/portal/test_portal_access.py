"""Who gets into the portal and what it shows: only agency tokens sign in (never staff),
an agency never sees another agency's request, every form needs its CSRF token, pages carry
the strict CSP, and a bad submission is answered next to the field the contract names."""

from __future__ import annotations

import re

from tests.portal.conftest import token_of
from tests.support import MINIMAL_PDF, submission, submit

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


async def signed_in(api, token: str):
    """The ``api`` client with a portal session for ``token``; returns the CSRF token."""
    page = await api.get("/portal/login")
    csrf = CSRF_INPUT.search(page.text).group(1)
    response = await api.post("/portal/login", data={"token": token, "csrf_token": csrf})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/portal/"
    home = await api.get("/portal/")
    assert home.status_code == 200
    return CSRF_INPUT.search(home.text).group(1)


async def test_without_a_session_the_portal_asks_to_sign_in(api):
    response = await api.get("/portal/")
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/login"


async def test_staff_tokens_never_sign_in(api, mint):
    page = await api.get("/portal/login")
    csrf = CSRF_INPUT.search(page.text).group(1)
    for role in ("admin", "reviewer", "legal", "auditor"):
        response = await api.post(
            "/portal/login", data={"token": token_of(mint(role)), "csrf_token": csrf}
        )
        assert response.status_code == 401, role
        assert "only agency tokens" in response.text
        assert "writ_portal_session" not in response.headers.get("set-cookie", "")
    # A staff token in the cookie itself is no session either.
    api.cookies.set("writ_portal_session", token_of(mint("admin")), path="/portal")
    assert (await api.get("/portal/")).status_code == 303


async def test_an_agency_never_sees_another_agencys_request(api, mint, agency):
    created = await submit(api, agency["headers"], submission())
    request_id = created.json()["id"]
    other = mint("agency", sub="x@cary.gov", agency="cary-pd")
    await signed_in(api, token_of(other))
    listed = await api.get("/portal/")
    assert request_id not in listed.text
    detail = await api.get(f"/portal/requests/{request_id}")
    assert detail.status_code == 404
    assert request_id not in detail.text or "no legal process" in detail.text
    download = await api.get(f"/portal/requests/{request_id}/production")
    assert download.status_code == 404


async def test_the_own_request_is_listed_with_its_status(api, agency):
    created = await submit(api, agency["headers"], submission())
    request_id = created.json()["id"]
    await signed_in(api, token_of(agency["headers"]))
    listed = await api.get("/portal/")
    assert request_id in listed.text
    detail = await api.get(f"/portal/requests/{request_id}")
    assert detail.status_code == 200
    assert "received" in detail.text or "verifying" in detail.text or "in_review" in detail.text


async def test_pages_carry_the_strict_csp(api, agency):
    await signed_in(api, token_of(agency["headers"]))
    for path in ("/portal/login", "/portal/", "/portal/new"):
        response = await api.get(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "form-action 'self'" in policy, path
        assert "<script" not in response.text, path


async def test_forms_need_their_csrf_token(api, agency):
    await signed_in(api, token_of(agency["headers"]))
    created = await submit(api, agency["headers"], submission())
    request_id = created.json()["id"]
    for path in (
        "/portal/requests",
        f"/portal/requests/{request_id}/withdraw",
        f"/portal/requests/{request_id}/responses",
        "/portal/logout",
    ):
        response = await api.post(path, data={"reason": "x", "text": "x"})
        assert response.status_code == 403, path
        assert "CSRF" in response.text, path


def _form(**overrides) -> dict[str, str]:
    fields = {
        "process_type": "subpoena",
        "case_number": "2026-CR-FORM-1",
        "issued_on": "2026-11-02",
        "issuer.kind": "state",
        "issuer.name": "Wake County Superior Court",
        "issuer.jurisdiction": "US-NC",
        "officer.name": "Jordan Doe",
        "officer.email": "j.doe@raleighpd.gov",
        "targets[0].kind": "telephone_number",
        "targets[0].value": "(919) 555-0100",
        "categories": "subscriber_info",
        "date_range.start": "2026-08-01",
        "date_range.end": "2026-10-31",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


async def test_a_bad_field_is_shown_next_to_its_input(api, agency):
    csrf = await signed_in(api, token_of(agency["headers"]))
    cases = {
        "targets[0].value": _form(**{"targets[0].value": "555-01"}),
        "issuer.jurisdiction": _form(**{"issuer.jurisdiction": "North Carolina"}),
        "officer.email": _form(**{"officer.email": "not-an-email"}),
        "case_number": _form(case_number=None),
    }
    for field, form in cases.items():
        response = await api.post(
            "/portal/requests",
            data={**form, "csrf_token": csrf},
            files={"document": ("process.pdf", MINIMAL_PDF, "application/pdf")},
        )
        assert response.status_code == 422, (field, response.text[:300])
        assert f'data-field="{field}"' in response.text, field
        assert "Nothing was submitted" in response.text
    not_pdf = await api.post(
        "/portal/requests",
        data={**_form(), "csrf_token": csrf},
        files={"document": ("process.pdf", b"hello", "application/pdf")},
    )
    assert not_pdf.status_code in (415, 422)
    assert 'data-field="document"' in not_pdf.text


async def test_a_good_form_submits_a_request(api, agency, register):
    csrf = await signed_in(api, token_of(agency["headers"]))
    response = await api.post(
        "/portal/requests",
        data={**_form(case_number="2026-CR-FORM-OK"), "csrf_token": csrf},
        files={"document": ("process.pdf", MINIMAL_PDF, "application/pdf")},
    )
    assert response.status_code == 303, response.text[:500]
    request_id = response.headers["location"].split("/portal/requests/")[1].split("?")[0]
    record = await register.legal_processes.get(request_id)
    assert record.agency_id == agency["id"]
    assert record.case_number == "2026-CR-FORM-OK"
    assert record.process.requester.officer_email == "j.doe@raleighpd.gov"
