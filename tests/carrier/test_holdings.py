"""Who held a number when: clipping to the period, reasons for no data (pure, no I/O)."""

from __future__ import annotations

import datetime as dt

from contracts.legal_process import Period
from services.carrier.holdings import (
    Assignment,
    Holding,
    Subscriber,
    account_windows,
    period_bounds,
    resolve_accounts,
    resolve_number,
)

N = "+19195550142"
UTC = dt.UTC


def ts(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=UTC)


SUBSCRIBERS = {
    "A": Subscriber("A", "us", dt.date(2020, 1, 1)),
    "B": Subscriber("B", "us", dt.date(2024, 6, 1)),
    "E": Subscriber("E", "eu", dt.date(2021, 1, 1)),
}
REASSIGNED = [
    Assignment(N, "A", ts("2024-01-01"), ts("2025-03-01"), "new", "disconnect"),
    Assignment(N, "B", ts("2025-04-15"), None, "reassignment", None),
]


def period(start: str, end: str) -> Period:
    return Period(start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end))


def test_period_covers_whole_days_in_utc() -> None:
    assert period_bounds(period("2025-02-01", "2025-02-28")) == (ts("2025-02-01"), ts("2025-03-01"))


def test_reassigned_number_is_split_between_holders_and_clipped() -> None:
    resolution = resolve_number(
        N, REASSIGNED, SUBSCRIBERS, period("2025-02-01", "2025-05-31"), "us"
    )
    assert resolution.no_data_reason == ""
    assert resolution.holdings == (
        Holding(N, "A", ts("2025-02-01"), ts("2025-03-01")),
        Holding(N, "B", ts("2025-04-15"), ts("2025-06-01")),
    )
    assert resolution.accounts == ["A", "B"]


def test_a_number_never_ours_has_no_data() -> None:
    resolution = resolve_number(
        "+15550000000", REASSIGNED, SUBSCRIBERS, period("2025-01-01", "2025-01-31"), "us"
    )
    assert resolution.holdings == ()
    assert "no assignment on record" in resolution.no_data_reason


def test_ported_out_before_the_period_says_so() -> None:
    history = [Assignment(N, "A", ts("2024-01-01"), ts("2025-02-01"), "new", "port_out")]
    resolution = resolve_number(N, history, SUBSCRIBERS, period("2025-03-01", "2025-03-31"), "us")
    assert (
        resolution.no_data_reason
        == "not the provider's during the period: ported out on 2025-02-01"
    )


def test_period_inside_the_quarantine_gap_names_both_dates() -> None:
    resolution = resolve_number(
        N, REASSIGNED, SUBSCRIBERS, period("2025-03-10", "2025-04-10"), "us"
    )
    assert resolution.no_data_reason == (
        "not assigned to any customer during the period: disconnected on 2025-03-01, "
        "next assigned on 2025-04-15"
    )


def test_ported_in_after_the_period() -> None:
    history = [Assignment(N, "B", ts("2025-06-01"), None, "port_in", None)]
    resolution = resolve_number(N, history, SUBSCRIBERS, period("2025-01-01", "2025-01-31"), "us")
    assert (
        resolution.no_data_reason == "not the provider's during the period: ported in on 2025-06-01"
    )


def test_a_number_held_by_the_eu_subsidiary_is_not_collected_for_us_process() -> None:
    history = [Assignment(N, "E", ts("2024-01-01"), None, "new", None)]
    resolution = resolve_number(N, history, SUBSCRIBERS, period("2025-01-01", "2025-01-31"), "us")
    assert resolution.holdings == ()
    assert "'eu' legal entity, not 'us'" in resolution.no_data_reason
    assert resolve_number(
        N, history, SUBSCRIBERS, period("2025-01-01", "2025-01-31"), "eu"
    ).holdings


def test_account_target_covers_the_account_and_its_numbers() -> None:
    resolution = resolve_accounts(
        ["B"], REASSIGNED, SUBSCRIBERS, period("2025-04-01", "2025-04-30"), "us"
    )
    assert resolution.holdings == (
        Holding(None, "B", ts("2025-04-01"), ts("2025-05-01")),
        Holding(N, "B", ts("2025-04-15"), ts("2025-05-01")),
    )
    assert (
        "no such account"
        in resolve_accounts(
            ["Z"], [], SUBSCRIBERS, period("2025-04-01", "2025-04-30"), "us"
        ).no_data_reason
    )


def test_account_windows_merge_overlapping_holdings() -> None:
    holdings = [
        Holding("+1", "A", ts("2025-01-01"), ts("2025-02-01")),
        Holding("+2", "A", ts("2025-01-15"), ts("2025-03-01")),
        Holding("+3", "A", ts("2025-04-01"), ts("2025-05-01")),
    ]
    assert account_windows(holdings) == [
        ("A", ts("2025-01-01"), ts("2025-03-01")),
        ("A", ts("2025-04-01"), ts("2025-05-01")),
    ]


def test_a_period_ending_on_the_last_date_runs_to_the_last_instant() -> None:
    """Issue 13 defect 2: ``date.max + 1 day`` raised OverflowError in attribution."""
    far = Period(start=dt.date(2025, 2, 1), end=dt.date.max)
    assert period_bounds(far) == (ts("2025-02-01"), dt.datetime.max.replace(tzinfo=UTC))
    resolution = resolve_number(N, REASSIGNED, SUBSCRIBERS, far, "us")
    assert resolution.holdings[-1] == Holding(
        N, "B", ts("2025-04-15"), dt.datetime.max.replace(tzinfo=UTC)
    )
