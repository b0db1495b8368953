"""The policy simulator replays exactly what each determination was made from and reports
exactly the requests whose outcome a candidate policy changes (issue 11 item 6).

Requests are taken into a register of this module's own and assessed by the real ``assess``
activity (Temporal's ActivityEnvironment) over the planted lake in SeaweedFS, which records
the determination inputs as production does; the workflow's status change then records the
determination. Expected changes are worked out from the rules, row by row:

- domicile US-DE -> US-NC (the policy's domicile table; UIDDA for civil process):
  a Wake County criminal subpoena stops being out-of-state and enters the auto-approval class;
  a Wake County civil subpoena is no longer redirected for domestication;
  a Delaware subpoena becomes out-of-state and leaves the auto-approval class;
  a federal subpoena and a Wake County warrant (reviewed either way) do not change.
- a stricter auto-approval class (federal issuers, one target): the Delaware state subpoena
  and a two-target federal subpoena go to a person; the one-target federal one does not.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from contracts.enums import IssuerKind, Status
from services.decisions.determine import determine
from services.decisions.policy import AutoApprovalClass, Policy
from services.decisions.simulation import simulate
from services.register.determination_inputs import recorded_cases
from services.register.policy_simulations import get_simulation, run_simulation
from services.register.tables import audit_events
from tests.carrier.planted import NEVER_OURS, PORTED_OUT, REASSIGNED
from tests.policy.recorded import NOW, RECORDED_POLICY


async def test_the_recorded_inputs_replay_the_recorded_determination(own_register, recorded):
    cases, skipped = await recorded_cases(own_register.engine)
    assert {c.request_id for c in cases} == {
        v for k, v in recorded.items() if k != "never_assessed"
    }
    assert [(s.request_id, s.reason) for s in skipped] == [
        (recorded["never_assessed"], "not assessed yet")
    ]
    for case in cases:
        assert case.policy == RECORDED_POLICY
        assert case.now == NOW
        assert determine(case.process, case.policy, case.now, case.facts) == case.recorded
    by_id = {c.request_id: c for c in cases}
    # The lake's facts came along: the planted never-ours number is recorded as not held.
    warrant = by_id[recorded["nc_warrant"]]
    assert warrant.facts.targets[NEVER_OURS].held_in_period is False
    assert warrant.facts.targets[REASSIGNED].held_in_period is True
    two = by_id[recorded["federal_two"]]
    assert all(two.facts.targets[n].held_in_period for n in (REASSIGNED, PORTED_OUT))


async def test_a_domicile_change_reports_exactly_the_requests_it_changes(own_register, recorded):
    stored = await run_simulation(
        own_register.engine, Policy(domicile_state="US-NC"), since=None, actor="legal-1"
    )
    report = stored.report
    changed = {c.request_id: c for c in report.changes}
    assert set(changed) == {recorded["nc_criminal"], recorded["nc_civil"], recorded["de_subpoena"]}
    assert report.replayed == 6 and report.unchanged == 3 and report.drifted == []
    assert [s.request_id for s in report.not_replayable] == [recorded["never_assessed"]]

    criminal = changed[recorded["nc_criminal"]]
    assert criminal.changed == ["human_review", "auto_approval"]
    assert (criminal.before.auto_approval, criminal.after.auto_approval) == (False, True)
    civil = changed[recorded["nc_civil"]]
    assert civil.before.disposition == "redirect" and civil.after.disposition == "proceed"
    assert civil.changed == ["disposition", "allowed_categories"]
    delaware = changed[recorded["de_subpoena"]]
    assert (delaware.before.auto_approval, delaware.after.auto_approval) == (True, False)
    assert criminal.api == f"/v1/legal-processes/{criminal.request_id}"
    assert criminal.ui == f"/ui/requests/{criminal.request_id}"

    assert report.counts["auto_approval: false -> true"] == 1
    assert report.counts["auto_approval: true -> false"] == 1
    assert report.counts["disposition: redirect -> proceed"] == 1

    # Kept and audited; nothing about the requests was written.
    again = await get_simulation(own_register.engine, stored.id)
    assert again is not None and again.report == report
    async with own_register.engine.connect() as conn:
        details = (
            (
                await conn.execute(
                    sa.select(audit_events.c.detail).where(
                        audit_events.c.action == "policy_simulated"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert any(d["simulation_id"] == stored.id and d["changed"] == 3 for d in details)
    cases, _ = await recorded_cases(own_register.engine)
    assert all(c.policy == RECORDED_POLICY for c in cases)
    for case in cases:
        record = await own_register.legal_processes.get(case.request_id)
        assert record.status is Status.IN_REVIEW and record.determination == case.recorded


async def test_a_stricter_auto_approval_class_reports_exactly_the_requests_it_changes(
    own_register, recorded
):
    stricter = Policy(
        domicile_state="US-DE",
        auto_approval=(
            AutoApprovalClass(issuer_kinds=frozenset({IssuerKind.FEDERAL}), max_targets=1),
        ),
    )
    report = (
        await run_simulation(own_register.engine, stricter, since=None, actor="legal-1")
    ).report
    changed = {c.request_id: c for c in report.changes}
    assert set(changed) == {recorded["de_subpoena"], recorded["federal_two"]}
    for change in changed.values():
        assert change.changed == ["human_review", "auto_approval"]
        assert (change.before.auto_approval, change.after.auto_approval) == (True, False)
    assert report.counts == {"auto_approval: true -> false": 2, "human_review: false -> true": 2}


async def test_the_recorded_policy_itself_changes_nothing(own_register, recorded):
    report = (
        await run_simulation(own_register.engine, RECORDED_POLICY, since=None, actor="legal-1")
    ).report
    assert report.changes == [] and report.replayed == 6 and report.counts == {}


async def test_since_leaves_out_earlier_requests(own_register, recorded):
    cases, skipped = await recorded_cases(own_register.engine, NOW.date() + dt.timedelta(days=1))
    assert cases == [] and skipped == []
    report = simulate([], Policy(), candidate_sha256="0" * 64)
    assert report.considered == 0
