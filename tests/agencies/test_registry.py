"""Agency registry management: read one agency, change it with an audited history, keep
the roster current (a new officer's next request is verified, a deactivated officer's goes
to verification naming why), and agencies read only their own registration."""

from __future__ import annotations

import sqlalchemy as sa

from services.decisions.safeguards import unverified_facts
from services.register.tables import audit_events
from tests.support import submission, submit

NEW_OFFICER = {"name": "Sam Rivera", "email": "S.Rivera@raleighpd.gov", "badge": "5120"}


async def _findings(api, register, mint, agency, officer: dict) -> list[str]:
    """Submit as ``officer`` (with a token issued to them) and return the codes of the
    blocking verification findings, checked against what the decision code refuses on."""
    headers = mint("agency", sub=officer["email"], agency=agency["id"])
    response = await submit(api, headers, submission(officer=officer))
    assert response.status_code == 201, response.text
    record = await register.legal_processes.get(response.json()["id"])
    requester = record.process.requester
    blocking = [f for f in requester.findings if f.blocking]
    assert unverified_facts(requester) == [f.reason for f in blocking]
    return [f.code for f in blocking]


async def test_an_admin_reads_an_agency_with_its_officers(api, mint, agency):
    response = await api.get(f"/v1/agencies/{agency['id']}", headers=mint("admin"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["callback_number"] == "+19195550199"
    assert body["email_domains"] == ["raleighpd.gov"]
    assert [o["email"] for o in body["officers"]] == ["j.doe@raleighpd.gov"]
    assert body["officers"][0]["active"] is True
    assert "webhook_secret" not in body

    listed = (await api.get("/v1/agencies", headers=mint("admin"))).json()
    mine = next(a for a in listed if a["id"] == agency["id"])
    assert [o["email"] for o in mine["officers"]] == ["j.doe@raleighpd.gov"]


async def test_an_unknown_agency_is_a_404_problem(api, mint):
    response = await api.get("/v1/agencies/no-such-agency", headers=mint("admin"))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_an_agency_reads_its_own_registration_only(api, mint, agency):
    own = await api.get(f"/v1/agencies/{agency['id']}", headers=agency["headers"])
    assert own.status_code == 200, own.text
    assert own.json()["id"] == agency["id"]
    other = mint("agency", sub="x@other.gov", agency="some-other-pd")
    assert (await api.get(f"/v1/agencies/{agency['id']}", headers=other)).status_code == 403
    # An agency changes nothing itself, and staff other than admins read nothing here.
    patch = await api.patch(
        f"/v1/agencies/{agency['id']}", json={"name": "X"}, headers=agency["headers"]
    )
    assert patch.status_code == 403
    reviewer = await api.get(f"/v1/agencies/{agency['id']}", headers=mint("reviewer"))
    assert reviewer.status_code == 403


async def test_patch_changes_the_registration_and_the_history_records_it(api, mint, agency):
    admin = mint("admin", sub="ada")
    response = await api.patch(
        f"/v1/agencies/{agency['id']}",
        json={"callback_number": "(919) 555-0142", "email_domains": ["RaleighNC.gov"]},
        headers=admin,
    )
    assert response.status_code == 422, "domains are lower case by the contract"
    response = await api.patch(
        f"/v1/agencies/{agency['id']}",
        json={"callback_number": "(919) 555-0142", "email_domains": ["raleighnc.gov"]},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["callback_number"] == "+19195550142"
    assert response.json()["email_domains"] == ["raleighnc.gov"]
    assert response.json()["updated_at"]

    history = (await api.get(f"/v1/agencies/{agency['id']}/history", headers=admin)).json()
    assert [h["action"] for h in history] == ["agency_registered", "agency_updated"]
    assert history[1]["actor"] == "ada"
    assert history[1]["changes"] == {
        "callback_number": {"from": "+19195550199", "to": "+19195550142"},
        "email_domains": {"from": ["raleighpd.gov"], "to": ["raleighnc.gov"]},
    }


async def test_patch_refuses_bad_fields_naming_them(api, mint, agency):
    admin = mint("admin")
    url = f"/v1/agencies/{agency['id']}"
    bad_number = await api.patch(url, json={"callback_number": "555-01"}, headers=admin)
    assert bad_number.status_code == 422
    assert bad_number.json()["field"] == "callback_number"
    unknown = await api.patch(url, json={"id": "renamed"}, headers=admin)
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "id"
    missing = await api.patch("/v1/agencies/no-such-agency", json={"name": "X"}, headers=admin)
    assert missing.status_code == 404


async def test_patch_with_no_change_records_nothing(api, mint, agency):
    admin = mint("admin")
    same = await api.patch(
        f"/v1/agencies/{agency['id']}", json={"name": agency["name"]}, headers=admin
    )
    assert same.status_code == 200
    history = (await api.get(f"/v1/agencies/{agency['id']}/history", headers=admin)).json()
    assert [h["action"] for h in history] == ["agency_registered"]


async def test_webhook_urls_are_checked_at_registration(api, mint, agency):
    admin = mint("admin")
    url = f"/v1/agencies/{agency['id']}"
    for refused in (
        "http://intake.raleighpd.gov/writ",  # plain http to another machine
        "https://10.1.2.3/writ",  # private
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://[fd00::1]/writ",  # IPv6 unique-local
    ):
        response = await api.patch(url, json={"webhook_url": refused}, headers=admin)
        assert response.status_code == 422, refused
        assert response.json()["field"] == "webhook_url", refused
    # Local mode (these tests): the stack's receivers on this machine are allowed.
    ok = await api.patch(url, json={"webhook_url": "http://127.0.0.1:9/writ"}, headers=admin)
    assert ok.status_code == 200, ok.text
    removed = await api.patch(url, json={"webhook_url": None}, headers=admin)
    assert removed.status_code == 200
    assert removed.json()["webhook_url"] is None


async def test_a_new_officer_is_verified_automatically_once_added(api, mint, register, agency):
    admin = mint("admin", sub="ada")
    before = await _findings(api, register, mint, agency, NEW_OFFICER)
    assert before == ["officer_not_on_roster"]

    added = await api.post(f"/v1/agencies/{agency['id']}/officers", json=NEW_OFFICER, headers=admin)
    assert added.status_code == 201, added.text
    assert "s.rivera@raleighpd.gov" in [o["email"] for o in added.json()["officers"]]
    assert await _findings(api, register, mint, agency, NEW_OFFICER) == []

    again = await api.post(f"/v1/agencies/{agency['id']}/officers", json=NEW_OFFICER, headers=admin)
    assert again.status_code == 409
    assert again.json()["field"] == "email"


async def test_a_deactivated_officer_goes_to_verification_with_that_finding(
    api, mint, register, agency
):
    admin = mint("admin", sub="ada")
    officer = {"name": "Jordan Doe", "email": "j.doe@raleighpd.gov", "badge": "4411"}
    base = f"/v1/agencies/{agency['id']}/officers/j.doe@raleighpd.gov"
    off = await api.post(f"{base}/deactivate", headers=admin)
    assert off.status_code == 200, off.text
    assert off.json()["officers"][0]["active"] is False
    assert off.json()["officers"][0]["deactivated_at"]
    assert await _findings(api, register, mint, agency, officer) == ["officer_deactivated"]

    on = await api.post(f"{base}/reactivate", headers=admin)
    assert on.status_code == 200
    assert on.json()["officers"][0]["active"] is True
    assert await _findings(api, register, mint, agency, officer) == []

    missing = await api.post(
        f"/v1/agencies/{agency['id']}/officers/nobody@raleighpd.gov/deactivate", headers=admin
    )
    assert missing.status_code == 404

    history = (await api.get(f"/v1/agencies/{agency['id']}/history", headers=admin)).json()
    assert [(h["action"], h["changes"]) for h in history[1:]] == [
        ("officer_deactivated", {"officer": "j.doe@raleighpd.gov"}),
        ("officer_reactivated", {"officer": "j.doe@raleighpd.gov"}),
    ]


async def test_roster_changes_are_in_the_audit_chain(api, mint, register, agency):
    admin = mint("admin", sub="ada")
    await api.post(f"/v1/agencies/{agency['id']}/officers", json=NEW_OFFICER, headers=admin)
    await api.patch(f"/v1/agencies/{agency['id']}", json={"name": "Raleigh PD"}, headers=admin)
    async with register.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(audit_events)
            .where(audit_events.c.action.in_(["officer_added", "agency_updated"]))
            .order_by(audit_events.c.seq)
        )
        events = [r for r in rows if r.detail.get("agency_id") == agency["id"]]
    assert [(e.action, e.actor, e.request_id) for e in events] == [
        ("officer_added", "ada", None),
        ("agency_updated", "ada", None),
    ]
    assert events[0].detail == {"agency_id": agency["id"], "officer": "s.rivera@raleighpd.gov"}
    await register.audit.verify()
