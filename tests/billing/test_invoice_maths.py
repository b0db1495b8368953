"""The invoice maths, table-driven (docs/billing.md): every item, the cap, the split per
target with the remainder to the first customer, currency per legal entity, the
zero-charge outcomes, and a rate change between two requests."""

from __future__ import annotations

import datetime as dt

import pytest

from contracts.billing import BilledAccount, ChargeFacts, ChargeItem, TargetHolders
from contracts.determination import LegalEntity
from contracts.enums import Outcome, ProcessType
from services.billing.invoice import build_invoice
from services.billing.rate_card import parse_rate_card
from services.billing.split import allocate, started, target_weights

CARD = parse_rate_card(
    """
charge_no_data = false
[currencies]
us = "USD"
eu = "EUR"

[[versions]]
effective_from = 2026-01-01
[versions.rates.USD]
per_request = 2000
per_target = 1000
per_thousand_records = 500
emergency_expedite = 7500
preservation_period = 2000
preservation_extension = 1500
reviewer_quarter_hour = 2000
request_cap = 50000
[versions.rates.EUR]
per_request = 1800
per_target = 900
per_thousand_records = 450
emergency_expedite = 7000
preservation_period = 1800
preservation_extension = 1800
reviewer_quarter_hour = 1800
request_cap = 46000

[[versions]]
effective_from = 2026-07-01
[versions.rates.USD]
per_request = 2500
per_target = 1000
per_thousand_records = 500
emergency_expedite = 7500
preservation_period = 2000
preservation_extension = 1500
reviewer_quarter_hour = 2000
request_cap = 50000
[versions.rates.EUR]
per_request = 2300
per_target = 900
per_thousand_records = 450
emergency_expedite = 7000
preservation_period = 1800
preservation_extension = 1800
reviewer_quarter_hour = 1800
request_cap = 46000
"""
)
CARD_CHARGING_NO_DATA = parse_rate_card(
    """
charge_no_data = true
[currencies]
us = "USD"
[[versions]]
effective_from = 2026-01-01
[versions.rates.USD]
per_request = 2000
per_target = 1000
per_thousand_records = 500
emergency_expedite = 7500
preservation_period = 2000
preservation_extension = 1500
reviewer_quarter_hour = 2000
request_cap = 0
"""
)

US_A = BilledAccount(account_id="AC-A")
US_B = BilledAccount(account_id="AC-B")
US_C = BilledAccount(account_id="AC-C")
EU_X = BilledAccount(account_id="AC-X", legal_entity=LegalEntity.EU)
RESELLER = BilledAccount(account_id="AC-RESELLER", reseller=True)


def facts(
    *holders: list[BilledAccount],
    day: dt.date = dt.date(2026, 9, 1),
    outcome: Outcome = Outcome.PRODUCED,
    process_type: ProcessType = ProcessType.SUBPOENA,
    **extra,
) -> ChargeFacts:
    return ChargeFacts(
        request_id="lp_test",
        process_type=process_type,
        service_date=day,
        outcome=outcome,
        targets=[
            TargetHolders(target_ref=f"target {i + 1}", holders=list(h))
            for i, h in enumerate(holders or ([US_A],))
        ],
        **extra,
    )


def lines_of(invoice, account: str = "AC-A") -> dict[ChargeItem, tuple[int, int, int]]:
    part = next(p for p in invoice.customers if p.account_id == account)
    return {line.item: (line.quantity, line.unit_amount, line.amount) for line in part.lines}


# -- every item, one customer (September 2026: the July card is in force) ------------------
ITEMS = [
    # (what, facts kwargs, item, (quantity, unit, amount))
    ("handling fee per request", {}, ChargeItem.PER_REQUEST, (1, 2500, 2500)),
    ("one target", {}, ChargeItem.PER_TARGET, (1, 1000, 1000)),
    ("1 record starts a thousand", {"records_produced": 1}, ChargeItem.RECORDS, (1, 500, 500)),
    ("1,000 records: one thousand", {"records_produced": 1000}, ChargeItem.RECORDS, (1, 500, 500)),
    ("1,001 records: two", {"records_produced": 1001}, ChargeItem.RECORDS, (2, 500, 1000)),
    ("emergency expedite", {"emergency": True}, ChargeItem.EMERGENCY_EXPEDITE, (1, 7500, 7500)),
    (
        "preservation, one 90-day period",
        {"preservation_periods": 1},
        ChargeItem.PRESERVATION_PERIOD,
        (1, 2000, 2000),
    ),
    (
        "preservation extension",
        {"preservation_periods": 1, "preservation_extensions": 1},
        ChargeItem.PRESERVATION_EXTENSION,
        (1, 1500, 1500),
    ),
    (
        "15 minutes: one quarter",
        {"reviewer_minutes": 15},
        ChargeItem.REVIEWER_TIME,
        (1, 2000, 2000),
    ),
    ("16 minutes: two", {"reviewer_minutes": 16}, ChargeItem.REVIEWER_TIME, (2, 2000, 4000)),
    ("1 minute: one", {"reviewer_minutes": 1}, ChargeItem.REVIEWER_TIME, (1, 2000, 2000)),
]


@pytest.mark.parametrize(("what", "kwargs", "item", "expected"), ITEMS, ids=[i[0] for i in ITEMS])
def test_each_item(what, kwargs, item, expected):
    invoice = build_invoice(facts(**kwargs), CARD)
    assert lines_of(invoice)[item] == expected


@pytest.mark.parametrize(
    ("kwargs", "absent"),
    [
        ({}, ChargeItem.RECORDS),
        ({}, ChargeItem.EMERGENCY_EXPEDITE),
        ({}, ChargeItem.PRESERVATION_PERIOD),
        ({"reviewer_minutes": 0}, ChargeItem.REVIEWER_TIME),
    ],
)
def test_items_of_quantity_zero_are_left_out(kwargs, absent):
    assert absent not in lines_of(build_invoice(facts(**kwargs), CARD))


def test_total_is_the_sum_of_the_lines():
    invoice = build_invoice(facts(records_produced=2500, reviewer_minutes=20, emergency=True), CARD)
    (part,) = invoice.customers
    assert part.total == 2500 + 1000 + 3 * 500 + 7500 + 2 * 2000
    assert part.currency == "USD"


# -- the cap ------------------------------------------------------------------------------


def test_cap_adds_a_negative_adjustment_down_to_the_cap():
    invoice = build_invoice(facts(records_produced=200_000), CARD)  # 200 × 500 = 100,000
    (part,) = invoice.customers
    assert part.total == 50_000
    assert lines_of(invoice)[ChargeItem.CAP_ADJUSTMENT] == (1, 50_000 - 103_500, -53_500)


def test_no_cap_when_the_card_sets_zero():
    invoice = build_invoice(facts(records_produced=200_000), CARD_CHARGING_NO_DATA)
    assert invoice.customers[0].total == 2000 + 1000 + 200 * 500


def test_at_the_cap_exactly_no_adjustment():
    # 2500 + 1000 + 93 × 500 = 50,000
    invoice = build_invoice(facts(records_produced=93_000), CARD)
    assert ChargeItem.CAP_ADJUSTMENT not in lines_of(invoice)
    assert invoice.customers[0].total == 50_000


# -- the split: per target, remainder to the first -----------------------------------------
SPLITS = [
    # (what, holders per target, {account: total})
    ("one customer, two targets", [[US_A], [US_A]], {"AC-A": 2500 + 2000}),
    (
        "two customers, one target each: the handling fee halves",
        [[US_A], [US_B]],
        {"AC-A": 1250 + 1000, "AC-B": 1250 + 1000},
    ),
    (
        "three customers: 2500 / 3 leaves 1 cent for the first, 2000 / 3 leaves 2",
        [[US_A], [US_B], [US_C]],
        {"AC-A": 833 + 1 + 1000, "AC-B": 833 + 1000, "AC-C": 833 + 1000},
    ),
    (
        "a number ported mid-period weighs half for each holder",
        [[US_A, US_B], [US_A]],
        # A weighs 3/2 of 2, B 1/2 of 2: fee 2500 → 1875 / 625; targets 2000 → 1500 / 500
        {"AC-A": 1875 + 1500, "AC-B": 625 + 500},
    ),
    ("a reseller's number bills the reseller", [[RESELLER]], {"AC-RESELLER": 3500}),
]


@pytest.mark.parametrize(("what", "holders", "totals"), SPLITS, ids=[s[0] for s in SPLITS])
def test_split(what, holders, totals):
    invoice = build_invoice(facts(*holders), CARD)
    assert {p.account_id: p.total for p in invoice.customers} == totals


def test_split_parts_add_up_line_by_line():
    invoice = build_invoice(
        facts([US_A], [US_B], [US_C], records_produced=7001, reviewer_minutes=50), CARD
    )
    by_item: dict[ChargeItem, int] = {}
    for part in invoice.customers:
        for line in part.lines:
            by_item[line.item] = by_item.get(line.item, 0) + line.amount
            assert line.request_amount == line.quantity * line.unit_amount
    for line in invoice.customers[0].lines:
        assert by_item[line.item] == line.request_amount
    assert [p.share for p in invoice.customers] == ["1/3", "1/3", "1/3"]


def test_capped_split_adds_up_to_the_cap():
    invoice = build_invoice(facts([US_A], [US_B], [US_C], records_produced=500_000), CARD)
    assert sum(p.total for p in invoice.customers) == 50_000
    assert [p.total for p in invoice.customers] == [16_668, 16_666, 16_666]


# -- currency per legal entity ---------------------------------------------------------------


def test_eu_customer_pays_in_euros_at_the_eur_rates():
    invoice = build_invoice(facts([EU_X]), CARD)
    (part,) = invoice.customers
    assert (part.currency, part.legal_entity, part.total) == ("EUR", LegalEntity.EU, 2300 + 900)


def test_mixed_entities_each_in_its_own_currency():
    invoice = build_invoice(facts([US_A], [EU_X]), CARD)
    assert {(p.account_id, p.currency, p.total) for p in invoice.customers} == {
        ("AC-A", "USD", 1250 + 1000),
        ("AC-X", "EUR", 1150 + 900),
    }


# -- zero-charge outcomes --------------------------------------------------------------------
ZERO = [
    ("rejected", {"outcome": Outcome.REJECTED}, "rejected"),
    ("redirected", {"outcome": Outcome.REDIRECTED}, "redirected"),
    ("withdrawn before collection", {"outcome": Outcome.WITHDRAWN}, "withdrawn"),
    ("no_data with the default card", {"outcome": Outcome.NO_DATA}, "no records"),
    (
        "national security letter (18 U.S.C. §2709)",
        {"process_type": ProcessType.NATIONAL_SECURITY_LETTER},
        "national-security",
    ),
    ("FISA order", {"process_type": ProcessType.FISA_ORDER}, "national-security"),
]


@pytest.mark.parametrize(("what", "kwargs", "reason"), ZERO, ids=[z[0] for z in ZERO])
def test_zero_charge(what, kwargs, reason):
    invoice = build_invoice(facts(**kwargs), CARD)
    assert invoice.customers == []
    assert reason in invoice.zero_charge_reason


def test_no_holder_no_charge():
    invoice = build_invoice(facts([]), CARD)
    assert invoice.customers == [] and "no customer" in invoice.zero_charge_reason


def test_no_data_is_charged_when_the_card_says_so():
    invoice = build_invoice(facts(outcome=Outcome.NO_DATA), CARD_CHARGING_NO_DATA)
    assert invoice.customers[0].total == 2000 + 1000


# -- a rate change between two requests ------------------------------------------------------


def test_rate_change_between_two_requests():
    june = build_invoice(facts(day=dt.date(2026, 6, 30)), CARD)
    july = build_invoice(facts(day=dt.date(2026, 7, 1)), CARD)
    assert (june.rate_card_version, june.customers[0].total) == (dt.date(2026, 1, 1), 3000)
    assert (july.rate_card_version, july.customers[0].total) == (dt.date(2026, 7, 1), 3500)


def test_before_the_first_version_is_refused():
    from services.billing.rate_card import RateCardError

    with pytest.raises(RateCardError, match="no rate card version is in force on 2025-12-31"):
        build_invoice(facts(day=dt.date(2025, 12, 31)), CARD)


# -- the rounding helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "unit", "blocks"),
    [(0, 1000, 0), (1, 1000, 1), (999, 1000, 1), (1000, 1000, 1), (1001, 1000, 2), (-5, 15, 0)],
)
def test_started_blocks_round_up(quantity, unit, blocks):
    assert started(quantity, unit) == blocks


@pytest.mark.parametrize(
    ("amount", "holders", "expected"),
    [
        (100, [["a"], ["b"], ["c"]], {"a": 34, "b": 33, "c": 33}),
        (-100, [["a"], ["b"], ["c"]], {"a": -34, "b": -33, "c": -33}),
        (1, [["a"], ["b"]], {"a": 1, "b": 0}),
        (0, [["a"], ["b"]], {"a": 0, "b": 0}),
        (10, [["a", "b"], ["b"]], {"a": 3, "b": 7}),  # b weighs 3/2 of 2: 7.5 → 7, +0
    ],
)
def test_allocate_floor_and_remainder_to_the_first(amount, holders, expected):
    weights = target_weights(holders)
    assert allocate(amount, weights) == expected
    assert sum(allocate(amount, weights).values()) == amount


# -- §2706 reimbursement from the agency ---------------------------------------------------


def test_reimbursement_charges_the_agency_for_the_costed_work_only():
    from contracts.enums import DataCategory
    from services.billing.reimbursement import build_reimbursement

    part = build_reimbursement(
        facts(records_produced=1500, reviewer_minutes=10, emergency=True),
        [DataCategory.SESSION_RECORDS],
        "raleigh-pd",
        CARD,
    )
    assert part.account_id == "agency:raleigh-pd" and part.currency == "USD"
    items = {line.item: line.amount for line in part.lines}
    assert items == {
        ChargeItem.PER_REQUEST: 2500,
        ChargeItem.PER_TARGET: 1000,
        ChargeItem.RECORDS: 1000,
        ChargeItem.REVIEWER_TIME: 2000,
    }  # no expedite: that is the customer-side surcharge
    assert "session_records" in part.lines[0].description
    assert part.total == 6500


def test_nothing_reimbursable_no_agency_invoice():
    """18 U.S.C. §2706(c): toll records and listings are exempt; the engine leaves them out."""
    from services.billing.reimbursement import build_reimbursement

    assert build_reimbursement(facts(), [], "raleigh-pd", CARD) is None
