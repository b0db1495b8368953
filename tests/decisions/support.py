"""Shorthands for reading determinations in the decision-engine tests (builders are in
``tests/factories.py``)."""

from __future__ import annotations

from contracts.determination import Determination, Reason
from contracts.enums import DataCategory

ALL = list(DataCategory)
BSI = [DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS, DataCategory.SESSION_RECORDS]


def reason(determination: Determination, code: str) -> Reason:
    matches = [r for r in determination.reasons if r.code == code]
    assert matches, f"no reason {code!r} in {[r.code for r in determination.reasons]}"
    return matches[0]


def codes(determination: Determination) -> list[str]:
    return [r.code for r in determination.reasons]
