"""services/decisions/approved_scope.py: exactly which targets, period, legal entity and
categories are read once a request is approved or preserved; a row per rule."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from contracts.collection import CollectionRequest
from contracts.determination import LegalEntity, TargetDecision
from contracts.enums import DataCategory as C
from contracts.legal_process import Period
from services.decisions.approval import Approval
from services.decisions.approved_scope import (
    allowed_targets,
    approved_targets,
    collection_request,
    preservation_request,
    request_period,
    target_entities,
)
from tests.factories import NUMBER, OTHER_NUMBER, make_determination, make_process

ISSUED = dt.date(2026, 2, 25)
ASKED = Period(start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 1))
NARROWED = Period(start=dt.date(2026, 1, 15), end=dt.date(2026, 2, 1))


@pytest.mark.parametrize(
    ("determined", "asked", "period"),
    [
        pytest.param(NARROWED, ASKED, NARROWED, id="the determination's (narrowed) period"),
        pytest.param(None, ASKED, ASKED, id="else the period the process asked for"),
        pytest.param(None, None, Period(start=ISSUED, end=ISSUED), id="else the day of issue"),
    ],
)
def test_request_period(determined, asked, period) -> None:
    process = make_process(period=asked, issued_on=ISSUED)
    assert request_period(process, make_determination(period=determined)) == period


ALLOWED = TargetDecision(target=NUMBER, allowed=True)
REFUSED = TargetDecision(target=OTHER_NUMBER, allowed=False)


@pytest.mark.parametrize(
    ("decisions", "kept", "targets"),
    [
        pytest.param([ALLOWED, REFUSED], None, [NUMBER], id="only the allowed targets"),
        pytest.param([], None, [NUMBER, OTHER_NUMBER], id="none decided: the process's targets"),
        pytest.param(
            [ALLOWED, TargetDecision(target=OTHER_NUMBER, allowed=True)],
            [OTHER_NUMBER.value],
            [OTHER_NUMBER],
            id="narrowed to the targets the approvers kept",
        ),
        pytest.param(
            [ALLOWED, REFUSED],
            [NUMBER.value, OTHER_NUMBER.value],
            [NUMBER],
            id="keeping a refused target does not bring it back",
        ),
        pytest.param([ALLOWED], [], [], id="approvers who keep no target collect nothing"),
    ],
)
def test_approved_targets(decisions, kept, targets) -> None:
    process = make_process(targets=[NUMBER, OTHER_NUMBER])
    determination = make_determination(targets=decisions)
    assert approved_targets(process, determination, kept) == targets
    if kept is None:
        assert allowed_targets(process, determination) == targets


@pytest.mark.parametrize(
    ("decisions", "entities"),
    [
        pytest.param([ALLOWED], {NUMBER.value: LegalEntity.US}, id="US parent by default"),
        pytest.param(
            [TargetDecision(target=NUMBER, allowed=True, entity=LegalEntity.EU)],
            {NUMBER.value: LegalEntity.EU},
            id="GDPR Art. 48: an EU-held target is read among the EU subsidiary's customers",
        ),
        pytest.param(
            [ALLOWED, msgspec.structs.replace(REFUSED, entity=LegalEntity.EU)],
            {NUMBER.value: LegalEntity.US},
            id="refused targets are not read at all",
        ),
    ],
)
def test_target_entities(decisions, entities) -> None:
    assert target_entities(make_determination(targets=decisions)) == entities


def test_an_approved_eu_held_target_is_collected_from_the_eu_subsidiary() -> None:
    process = make_process(targets=[NUMBER, OTHER_NUMBER], period=ASKED)
    determination = make_determination(
        allowed_categories=[C.SUBSCRIBER_INFO, C.TOLL_RECORDS],
        targets=[
            TargetDecision(target=NUMBER, allowed=True, entity=LegalEntity.EU),
            TargetDecision(target=OTHER_NUMBER, allowed=True),
        ],
    )
    approval = Approval(approvers=["alice", "carol"], categories=[C.TOLL_RECORDS])
    request = collection_request(process, determination, approval)
    assert request == CollectionRequest(
        request_id=process.request_id,
        targets=[NUMBER, OTHER_NUMBER],
        categories=[C.TOLL_RECORDS],
        period=ASKED,
        target_entities={NUMBER.value: LegalEntity.EU, OTHER_NUMBER.value: LegalEntity.US},
    )
    assert request.entity_of(NUMBER) is LegalEntity.EU
    assert request.entity_of(OTHER_NUMBER) is LegalEntity.US


@pytest.mark.parametrize(
    ("allowed", "asked", "categories"),
    [
        pytest.param([C.SUBSCRIBER_INFO], [C.CONTENT], [C.SUBSCRIBER_INFO], id="what was allowed"),
        pytest.param([], [C.CONTENT], [C.CONTENT], id="else what the process asked to preserve"),
    ],
)
def test_preservation_request(allowed, asked, categories) -> None:
    process = make_process(categories=asked, period=ASKED)
    request = preservation_request(process, make_determination(allowed_categories=allowed))
    assert request.categories == categories
    assert request.targets == [NUMBER] and request.period == ASKED


def test_a_collection_request_from_an_old_history_reads_the_us_parent() -> None:
    """Recorded before ``target_entities``: it decodes, and every target is the parent's."""
    old = (
        b'{"request_id":"req-1","targets":[{"kind":"telephone_number","value":"+19195550100"}],'
        b'"categories":["subscriber_info"],"period":{"start":"2026-01-01","end":"2026-02-01"},'
        b'"legal_entity":"us"}'
    )
    request = msgspec.json.decode(old, type=CollectionRequest)
    assert request.target_entities == {} and request.entity_of(NUMBER) is LegalEntity.US
