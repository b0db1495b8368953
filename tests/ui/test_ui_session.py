"""Signing in to the review UI: only staff tokens, carried in a hardened cookie."""

from __future__ import annotations

import httpx
import jwt

from tests.ui.conftest import csrf_from, token_of, ui_login


async def test_the_queue_without_a_session_redirects_to_login(api, mint):
    response = await api.get("/ui/")
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login"
    # The UI reads its cookie, not the API's Authorization header.
    with_header = await api.get("/ui/", headers=mint("reviewer"))
    assert with_header.status_code == 303
    api.cookies.set("writ_session", "not-a-token", domain="writ.test", path="/ui")
    assert (await api.get("/ui/requests/lp_0123")).status_code == 303


async def test_login_refuses_an_agency_token(api, mint):
    response = await ui_login(api, mint("agency", agency="raleigh-pd"))
    assert response.status_code == 401
    assert "Sign-in refused" in response.text and "agency tokens" in response.text
    assert "writ_session" not in response.cookies
    assert (await api.get("/ui/")).status_code == 303


async def test_login_refuses_a_forged_token(api, mint, service_settings):
    claims = jwt.decode(token_of(mint("reviewer")), options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-secret-not-the-secret-32b", algorithm="HS256")
    response = await ui_login(api, {"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert "Sign-in refused" in response.text
    assert (await api.get("/ui/")).status_code == 303


async def test_login_refuses_a_role_that_reads_no_requests(api, mint):
    assert (await ui_login(api, mint("billing"))).status_code == 401


async def test_login_form_needs_its_csrf_token(api, mint):
    await api.get("/ui/login")
    response = await api.post("/ui/login", data={"token": token_of(mint("reviewer"))})
    assert response.status_code == 403
    assert "writ_session" not in response.cookies


async def test_reviewer_signs_in_with_a_hardened_cookie_and_out_again(api, mint):
    response = await ui_login(api, mint("reviewer", sub="alice"))
    assert response.status_code == 303 and response.headers["location"] == "/ui/"
    session = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("writ_session=")
    )
    lowered = session.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "path=/ui" in lowered
    assert "secure" not in lowered  # plain http here; see the https test
    queue = await api.get("/ui/")
    assert queue.status_code == 200
    assert "Review queue" in queue.text and "alice" in queue.text
    assert "default-src 'none'" in queue.headers["content-security-policy"]
    out = await api.post("/ui/logout", data={"csrf_token": csrf_from(queue.text)})
    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    assert (await api.get("/ui/")).status_code == 303


async def test_the_session_cookie_is_secure_over_https(api, mint):
    transport = api._transport
    async with httpx.AsyncClient(transport=transport, base_url="https://writ.test") as client:
        response = await ui_login(client, mint("reviewer"))
        assert response.status_code == 303
        for header in response.headers.get_list("set-cookie"):
            assert "secure" in header.lower(), header


async def test_bad_filters_and_unknown_requests_are_pages_not_problems(api, mint):
    await ui_login(api, mint("reviewer"))
    bad = await api.get("/ui/", params={"status": "nonsense"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("text/html")
    assert "not a known value" in bad.text
    missing = await api.get("/ui/requests/lp_doesnotexist")
    assert missing.status_code == 404 and "no legal process" in missing.text
