"""The simulator's pure comparison (``services/decisions/simulation.py``), row by row over
the real engine: each row names the policy setting it moves and the rule that makes the
outcome change (or not)."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from contracts.determination import TargetFact, TargetFacts
from contracts.enums import DataCategory, IssuerKind
from contracts.legal_process import Period
from services.decisions.determine import determine
from services.decisions.policy import AutoApprovalClass, Policy
from services.decisions.simulation import RecordedCase, render_text, simulate
from tests.factories import NOW, NUMBER, make_process

HELD = TargetFacts(targets={NUMBER.value: TargetFact()})
BASE = Policy(domicile_state="US-DE")


def _case(policy: Policy = BASE, facts: TargetFacts = HELD, **overrides) -> RecordedCase:
    process = make_process(request_id="lp_" + "0" * 24, **overrides)
    return RecordedCase(
        request_id=process.request_id,
        process=process,
        policy=policy,
        now=NOW,
        facts=facts,
        recorded=determine(process, policy, NOW, facts),
    )


def _days(n: int) -> Period:
    end = NOW.date() - dt.timedelta(days=1)
    return Period(start=end - dt.timedelta(days=n - 1), end=end)


ROWS = [
    # (why, case overrides, candidate, changed fields)
    (
        "overbreadth_limit_days 366 -> 180: a 200-day range is flagged overbroad (policy), "
        "so it leaves the auto-approval class",
        {"period": _days(200)},
        msgspec.structs.replace(BASE, overbreadth_limit_days=180),
        ["human_review", "auto_approval"],
    ),
    (
        "overbreadth_limit_days 366 -> 180: a 90-day range is inside both limits",
        {"period": _days(90)},
        msgspec.structs.replace(BASE, overbreadth_limit_days=180),
        [],
    ),
    (
        "domicile US-DE -> US-NC: a federal subpoena is never out-of-state process",
        {},
        msgspec.structs.replace(BASE, domicile_state="US-NC"),
        [],
    ),
    (
        "auto_approval without toll records: a subpoena asking for them goes to a person",
        {"categories": [DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS]},
        msgspec.structs.replace(
            BASE,
            auto_approval=(
                AutoApprovalClass(categories=frozenset({DataCategory.SUBSCRIBER_INFO})),
            ),
        ),
        ["human_review", "auto_approval"],
    ),
    (
        "auto_approval for local issuers only: a federal subpoena goes to a person",
        {"issuer_kind": IssuerKind.FEDERAL},
        msgspec.structs.replace(
            BASE,
            auto_approval=(AutoApprovalClass(issuer_kinds=frozenset({IssuerKind.LOCAL})),),
        ),
        ["human_review", "auto_approval"],
    ),
    (
        "no auto-approval class at all: every auto-approved request waits for a person",
        {},
        msgspec.structs.replace(BASE, auto_approval=()),
        ["human_review", "auto_approval"],
    ),
]


@pytest.mark.parametrize(
    ("why", "overrides", "candidate", "changed"), ROWS, ids=[r[0] for r in ROWS]
)
def test_what_a_policy_change_changes(why, overrides, candidate, changed):
    report = simulate([_case(**overrides)], candidate, candidate_sha256="0" * 64)
    assert report.replayed == 1 and report.drifted == []
    assert [c.changed for c in report.changes] == ([changed] if changed else []), why


def test_a_determination_the_engine_no_longer_gives_is_reported_as_drifted():
    case = _case()
    stale = msgspec.structs.replace(
        case, recorded=msgspec.structs.replace(case.recorded, approvals_required=2)
    )
    report = simulate([stale], BASE, candidate_sha256="0" * 64)
    assert report.drifted == [case.request_id] and report.changes == []
    assert f"drifted (engine changed since assessment): {case.request_id}" in render_text(report)


def test_the_replay_uses_the_recorded_facts():
    """The same process, recorded once with the number held and once not: only the held one
    was auto-approved, so only it changes when the auto-approval class is withdrawn."""
    not_held = TargetFacts(targets={NUMBER.value: TargetFact(held_in_period=False)})
    held, gone = _case(facts=HELD), _case(facts=not_held)
    held = msgspec.structs.replace(held, request_id="lp_" + "1" * 24)
    report = simulate(
        [held, gone], msgspec.structs.replace(BASE, auto_approval=()), candidate_sha256="0" * 64
    )
    assert [c.request_id for c in report.changes] == [held.request_id]
    assert report.unchanged == 1
