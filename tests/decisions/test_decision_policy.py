"""The provider's policy: conservative defaults, overridden by a strict JSON file."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.enums import DataCategory, ProcessType
from contracts.workflow import Timing
from services.decisions.policy import (
    AutoApprovalClass,
    Policy,
    PolicyError,
    StateProcessHandling,
    StateProcessRule,
    load_policy,
    parse_policy,
    timing,
)


def test_defaults_when_no_file() -> None:
    policy = load_policy(None)
    assert policy == Policy()
    assert policy.domicile_state == "US-NC"
    assert policy.overbreadth_limit_days == 366
    assert policy.civil_objection_window_days == 14
    assert policy.warrant_execution_days == 14
    assert policy.cloud_act_countries == frozenset({"GB", "AU"})
    assert (
        policy.preservation_days,
        policy.preservation_extension_days,
        policy.max_preservation_extensions,
    ) == (
        90,
        90,
        1,
    )
    assert policy.escalation_lead_days == 3
    assert policy.out_of_state_default == StateProcessRule(
        criminal=StateProcessHandling.ACCEPT, civil=StateProcessHandling.DOMESTICATE
    )
    (auto,) = policy.auto_approval
    assert auto.process_types == {
        ProcessType.SUBPOENA,
        ProcessType.GRAND_JURY_SUBPOENA,
        ProcessType.ADMINISTRATIVE_SUBPOENA,
    }
    assert auto.categories == {
        DataCategory.SUBSCRIBER_INFO,
        DataCategory.TOLL_RECORDS,
        DataCategory.SESSION_RECORDS,
    }
    assert auto.in_jurisdiction_only is True


def test_loads_overrides_from_json(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(
        """{
          "domicile_state": "US-DE",
          "state_process": {"US-CA": {"criminal": "domesticate"}},
          "cloud_act_countries": ["GB"],
          "overbreadth_limit_days": 180,
          "auto_approval": [
            {"process_types": ["court_order_2703d"], "categories": ["detail_records"]}
          ]
        }"""
    )
    policy = load_policy(path)
    assert policy.domicile_state == "US-DE"
    assert policy.state_rule("US-CA") == StateProcessRule(
        criminal=StateProcessHandling.DOMESTICATE, civil=StateProcessHandling.DOMESTICATE
    )
    assert policy.state_rule("US-TX") == policy.out_of_state_default
    assert policy.cloud_act_countries == frozenset({"GB"})
    assert policy.overbreadth_limit_days == 180
    assert policy.auto_approval == (
        AutoApprovalClass(
            process_types=frozenset({ProcessType.COURT_ORDER_2703D}),
            categories=frozenset({DataCategory.DETAIL_RECORDS}),
        ),
    )
    assert policy.civil_objection_window_days == 14  # untouched defaults survive


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(
            '{"overbreadth_limit": 30}', "unknown setting.*overbreadth_limit", id="misspelt-key"
        ),
        pytest.param(
            '{"state_process": {"US-CA": {"criminall": "accept"}}}',
            r"state_process\.US-CA: unknown setting.*criminall",
            id="misspelt-nested-key",
        ),
        pytest.param(
            '{"auto_approval": [{"categorys": []}]}', r"auto_approval\[0\]", id="misspelt-class-key"
        ),
        pytest.param(
            '{"domicile_state": "Delaware"}', "domicile_state", id="domicile-not-iso-3166-2"
        ),
        pytest.param(
            '{"civil_objection_window_days": 0}',
            "civil_objection_window_days",
            id="window-not-positive",
        ),
        pytest.param(
            '{"state_process": {"US-CA": {"civil": "ignore"}}}', "civil", id="unknown-handling"
        ),
        pytest.param("[1, 2]", "expected a JSON object", id="not-an-object"),
        pytest.param("{nope", "not JSON", id="not-json"),
    ],
)
def test_rejects_bad_policy(document: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy(document)


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "absent.json")


def test_timing_carries_the_deadline_settings() -> None:
    policy = Policy(emergency_sla_minutes=30, escalation_lead_days=5, clarification_timeout_days=7)
    assert timing(policy) == Timing(
        escalation_lead_days=5,
        clarification_timeout_days=7,
        emergency_sla_minutes=30,
        preservation_days=90,
        preservation_extension_days=90,
        max_preservation_extensions=1,
        preservation_reminder_days=14,
    )


def test_timing_is_the_one_source_of_the_deadline_defaults() -> None:
    """Every ``Timing`` field is a policy setting of the same name and default, so the two
    cannot drift apart."""
    defaults = Policy()
    for name in Timing.__struct_fields__:
        assert getattr(defaults, name) == getattr(Timing(), name), name
    assert timing(defaults) == Timing()
    assert timing(parse_policy('{"preservation_days": 30}')).preservation_days == 30
