"""``POST /v1/policy/simulations`` and ``writ policy simulate`` (issue 11 item 6): legal and
admins only; a bad candidate policy is a 422 naming the setting; the CLI prints the same
report the register keeps."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.register.policy_simulations import get_simulation


@pytest.mark.parametrize(
    ("roles", "extra"),
    [
        (("reviewer",), {}),
        (("agency",), {"agency": "raleigh-pd"}),
        (("auditor",), {}),
        (("billing",), {}),
    ],
)
async def test_only_legal_and_admins_may_simulate(api, mint, roles, extra):
    body = {"policy": {"domicile_state": "US-NC"}}
    response = await api.post(
        "/v1/policy/simulations", json=body, headers=mint(*roles, sub="someone", **extra)
    )
    assert response.status_code == 403, response.text
    assert "legal" in response.json()["detail"]


@pytest.mark.parametrize("role", ["legal", "admin"])
async def test_legal_and_admins_get_a_stored_audited_report(api, mint, register, role):
    headers = mint(role, sub=f"{role}-1")
    response = await api.post(
        "/v1/policy/simulations",
        json={"policy": {"domicile_state": "US-NC"}, "since": "2026-01-01"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    report = body["report"]
    assert body["requested_by"] == f"{role}-1" and report["since"] == "2026-01-01"
    assert report["considered"] == report["replayed"] + len(report["not_replayable"])
    assert report["replayed"] == report["changed"] + report["unchanged"]
    fetched = await api.get(f"/v1/policy/simulations/{body['id']}", headers=headers)
    assert fetched.status_code == 200 and fetched.json() == body
    stored = await get_simulation(register.engine, body["id"])
    assert stored is not None and stored.requested_by == f"{role}-1"
    reviewer = await api.get(f"/v1/policy/simulations/{body['id']}", headers=mint("reviewer"))
    assert reviewer.status_code == 403


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ({"domicile_state": "North Carolina"}, "policy.domicile_state"),
        ({"domicile": "US-NC"}, "policy.domicile"),
        ({"overbreadth_limit_days": 0}, "policy.overbreadth_limit_days"),
        ({"auto_approval": [{"max_targets": 0}]}, "policy.auto_approval[0].max_targets"),
        ({"auto_approval": [{"issuer_kind": ["federal"]}]}, "policy.auto_approval[0].issuer_kind"),
        (
            {"auto_approval": [{"categories": ["everything"]}]},
            "policy.auto_approval[0].categories[0]",
        ),
        (
            {"state_process": {"US-VA": {"criminal": "maybe"}}},
            "policy.state_process.US-VA.criminal",
        ),
        ({"state_process": {"US-VA": {"crimnal": "accept"}}}, "policy.state_process.US-VA.crimnal"),
        ({"out_of_state_default": []}, "policy.out_of_state_default"),
        ({"state_process": {"Virginia": {"criminal": "accept"}}}, "policy.state_process.Virginia"),
    ],
)
async def test_a_bad_candidate_policy_is_a_422_naming_the_setting(api, mint, policy, field):
    response = await api.post(
        "/v1/policy/simulations", json={"policy": policy}, headers=mint("legal", sub="legal-1")
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({}, "policy", 422),
        ({"policy": "US-NC"}, "policy", 422),
        ({"policy": {}, "since": "yesterday"}, "since", 422),
        ({"policy": {}, "since": "2999-01-01"}, "since", 422),
        ({"policy": {}, "until": "2026-01-01"}, "until", 422),
    ],
)
async def test_a_bad_body_is_a_problem_naming_the_field(api, mint, body, field, status):
    response = await api.post(
        "/v1/policy/simulations", json=body, headers=mint("legal", sub="legal-1")
    )
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


async def test_an_unknown_simulation_is_a_404(api, mint):
    response = await api.get(
        "/v1/policy/simulations/ps_000000000000000000000000", headers=mint("legal")
    )
    assert response.status_code == 404


async def test_the_cli_prints_the_report_it_stored(own_register, recorded, tmp_path: Path):
    candidate = tmp_path / "candidate.json"
    candidate.write_text(json.dumps({"domicile_state": "US-NC"}))
    url = own_register.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "WRIT_DATABASE_URL": url}
    writ = Path(sys.executable).with_name("writ")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(writ), "policy", "simulate", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    text = await asyncio.to_thread(run, "--policy", str(candidate))
    assert text.returncode == 0, text.stderr
    assert "replayed 6, changed 3, unchanged 3, not replayable 1" in text.stdout
    assert f"/ui/requests/{recorded['nc_civil']}" in text.stdout
    assert "disposition: redirect -> proceed" in text.stdout

    as_json = await asyncio.to_thread(run, "--policy", str(candidate), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    stored = json.loads(as_json.stdout)
    kept = await get_simulation(own_register.engine, stored["id"])
    assert kept is not None and kept.requested_by.startswith("cli:")
    assert {c["request_id"] for c in stored["report"]["changes"]} == {
        recorded["nc_criminal"],
        recorded["nc_civil"],
        recorded["de_subpoena"],
    }

    candidate.write_text(json.dumps({"domicile": "US-NC"}))
    refused = await asyncio.to_thread(run, "--policy", str(candidate))
    assert refused.returncode == 2 and "unknown setting(s) domicile" in refused.stderr
