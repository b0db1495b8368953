"""The agency registry page of the review UI: admins only, every form with its CSRF token,
and each change going through the same service as the API (history and roster follow)."""

from __future__ import annotations

import re

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


async def sign_in(api, headers: dict[str, str]) -> str:
    page = await api.get("/ui/login")
    csrf = CSRF_INPUT.search(page.text).group(1)
    token = headers["Authorization"].removeprefix("Bearer ")
    response = await api.post("/ui/login", data={"token": token, "csrf_token": csrf})
    assert response.status_code == 303, response.text
    return csrf


async def test_an_admin_keeps_the_registry_in_the_ui(api, mint, agency):
    await sign_in(api, mint("admin", sub="ada"))
    listing = await api.get("/ui/agencies/")
    assert listing.status_code == 200, listing.text
    assert f'href="/ui/agencies/{agency["id"]}"' in listing.text
    page = await api.get(f"/ui/agencies/{agency['id']}")
    assert page.status_code == 200
    csrf = CSRF_INPUT.search(page.text).group(1)
    base = f"/ui/agencies/{agency['id']}"

    added = await api.post(
        f"{base}/officers",
        data={"name": "Sam Rivera", "email": "s.rivera@raleighpd.gov", "csrf_token": csrf},
    )
    assert added.status_code == 303
    off = await api.post(
        f"{base}/officers/j.doe@raleighpd.gov/deactivate", data={"csrf_token": csrf}
    )
    assert off.status_code == 303
    edited = await api.post(
        f"{base}/edit", data={"callback_number": "(919) 555-0142", "csrf_token": csrf}
    )
    assert edited.status_code == 303
    bad = await api.post(f"{base}/edit", data={"callback_number": "12", "csrf_token": csrf})
    assert bad.status_code == 303  # back to the page, with the problem as its message
    shown = await api.get(base)
    assert "Not changed" in shown.text and "callback_number" in shown.text

    page = (await api.get(base)).text
    assert "s.rivera@raleighpd.gov" in page
    assert "Reactivate j.doe@raleighpd.gov" in page
    assert "+19195550142" in page
    history = page.split('id="history"', 1)[1]
    for action in ("officer_added", "officer_deactivated", "agency_updated"):
        assert action in history, action
    assert "ada" in history

    rotated = await api.post(
        f"{base}/webhook-secret", data={"overlap_hours": "2", "csrf_token": csrf}
    )
    assert rotated.status_code == 200
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', rotated.text).group(1)
    assert len(secret) >= 43
    assert secret not in (await api.get(base)).text, "the secret is shown once"
    detail = (await api.get(f"/v1/agencies/{agency['id']}", headers=mint("admin"))).json()
    assert detail["webhook_secret_set"] is True
    assert {o["email"]: o["active"] for o in detail["officers"]} == {
        "j.doe@raleighpd.gov": False,
        "s.rivera@raleighpd.gov": True,
    }
    assert detail["callback_number"] == "+19195550142"


async def test_the_registry_pages_are_for_admins_only(api, mint, agency):
    await sign_in(api, mint("reviewer", sub="rita"))
    for path in ("/ui/agencies/", f"/ui/agencies/{agency['id']}"):
        response = await api.get(path)
        assert response.status_code == 403, path
        assert "admin role" in response.text


async def test_registry_forms_need_their_csrf_token(api, mint, agency):
    await sign_in(api, mint("admin"))
    response = await api.post(
        f"/ui/agencies/{agency['id']}/officers", data={"name": "X", "email": "x@raleighpd.gov"}
    )
    assert response.status_code == 403
    roster = (await api.get(f"/v1/agencies/{agency['id']}", headers=mint("admin"))).json()
    assert "x@raleighpd.gov" not in [o["email"] for o in roster["officers"]]
