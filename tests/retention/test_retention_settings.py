"""Retention periods come from settings; one below its legal minimum is refused at load,
naming the setting and the rule."""

from __future__ import annotations

import pytest

from contracts.retention import RetentionClass
from services.platform.settings import load_settings
from services.retention.classes import RetentionBelowLegalMinimum, retention_policy

REFUSED = [
    ("WRIT_RETENTION_DISCLOSURE_LOG_DAYS", "364", "47 CFR §64.2009(c)"),
    ("WRIT_RETENTION_TOLL_RECORDS_DAYS", "547", "47 CFR §42.6"),
    ("WRIT_RETENTION_TOLL_RECORDS_DAYS", "365", "47 CFR §42.6"),
]


@pytest.mark.parametrize(("name", "value", "authority"), REFUSED)
def test_a_period_below_its_legal_minimum_is_refused(name, value, authority):
    with pytest.raises(RetentionBelowLegalMinimum) as refused:
        load_settings({name: value})
    assert name in str(refused.value) and authority in str(refused.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("WRIT_RETENTION_DISCLOSURE_LOG_DAYS", "365"), ("WRIT_RETENTION_TOLL_RECORDS_DAYS", "548")],
)
def test_the_minimum_itself_is_accepted(name, value):
    load_settings({name: value})


def test_a_period_must_be_positive():
    with pytest.raises(ValueError, match="WRIT_RETENTION_COLLECTIONS_DAYS"):
        load_settings({"WRIT_RETENTION_COLLECTIONS_DAYS": "0"})


def test_defaults_are_years_and_above_every_minimum():
    days = retention_policy(load_settings({})).days
    assert days[RetentionClass.CASE_RECORDS] >= 5 * 365
    assert days[RetentionClass.AUDIT_LOG] >= 5 * 365
    assert days[RetentionClass.DISCLOSURE_LOG] >= 365
    assert days[RetentionClass.TOLL_RECORDS] >= 548
