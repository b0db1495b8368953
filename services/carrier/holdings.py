"""Who held a target when: number-assignment history clipped to the approved period.

Numbers port in and out and are reassigned after disconnection, so a record belongs to the
account that held the number at the instant of the record, never to today's holder. These
are the pure rules; ``collector`` reads the rows they work on. The reasons written here
reach the agency (via the production's records.json), so they say plainly what was found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from contracts.legal_process import Period


@dataclass(frozen=True)
class Assignment:
    """One row of ``number_assignments``: [assigned_from, assigned_to)."""

    number: str
    account_id: str
    assigned_from: dt.datetime
    assigned_to: dt.datetime | None
    assignment_type: str | None = None
    end_reason: str | None = None


@dataclass(frozen=True)
class Subscriber:
    account_id: str
    legal_entity: str
    service_start: dt.date | None
    is_reseller: bool = False
    reseller_customer_name: str | None = None


@dataclass(frozen=True)
class Holding:
    """An account's hold on a number (or, for ``number=None``, the account itself) within
    the period: [held_from, held_until)."""

    number: str | None
    account_id: str
    held_from: dt.datetime
    held_until: dt.datetime


@dataclass(frozen=True)
class Resolution:
    holdings: tuple[Holding, ...] = ()
    no_data_reason: str = ""

    @property
    def accounts(self) -> list[str]:
        return sorted({h.account_id for h in self.holdings})

    @property
    def numbered(self) -> list[Holding]:
        return [h for h in self.holdings if h.number is not None]


def period_bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period as UTC instants [first day 00:00, day after the last 00:00)."""
    start = dt.datetime.combine(period.start, dt.time(), tzinfo=dt.UTC)
    if period.end >= dt.date.max:
        # The day after 9999-12-31 does not exist: the period is open-ended, so it runs to
        # the last instant there is (total over every valid Period, never an OverflowError).
        return start, dt.datetime.max.replace(tzinfo=dt.UTC)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return start, end


def _clip(
    a: Assignment, start: dt.datetime, end: dt.datetime
) -> tuple[dt.datetime, dt.datetime] | None:
    lo = max(a.assigned_from, start)
    hi = min(a.assigned_to or end, end)
    return (lo, hi) if lo < hi else None


def resolve_number(
    number: str,
    assignments: Sequence[Assignment],
    subscribers: Mapping[str, Subscriber],
    period: Period,
    legal_entity: str,
) -> Resolution:
    """The accounts of ``legal_entity`` that held ``number`` during ``period``, and when."""
    start, end = period_bounds(period)
    history = sorted((a for a in assignments if a.number == number), key=lambda a: a.assigned_from)
    if not history:
        return Resolution(no_data_reason="not a number of the provider: no assignment on record")
    in_period = [(a, span) for a in history if (span := _clip(a, start, end))]
    if not in_period:
        return Resolution(no_data_reason=_not_held_reason(history, start, end))
    holdings = tuple(
        Holding(number=number, account_id=a.account_id, held_from=lo, held_until=hi)
        for a, (lo, hi) in in_period
        if _entity(subscribers, a.account_id) == legal_entity
    )
    if not holdings:
        others = sorted({_entity(subscribers, a.account_id) for a, _ in in_period})
        return Resolution(no_data_reason=_other_entity_reason(others, legal_entity, "number"))
    return Resolution(holdings=holdings)


def resolve_accounts(
    account_ids: Iterable[str],
    assignments: Sequence[Assignment],
    subscribers: Mapping[str, Subscriber],
    period: Period,
    legal_entity: str,
    *,
    what: str = "account",
) -> Resolution:
    """Accounts as targets: the accounts themselves over the period from their service
    start, plus each number they held within it."""
    start, end = period_bounds(period)
    known = [subscribers[a] for a in sorted(set(account_ids)) if a in subscribers]
    if not known:
        return Resolution(no_data_reason=f"no such {what}: no subscriber account on record")
    ours = [s for s in known if s.legal_entity == legal_entity]
    if not ours:
        return Resolution(
            no_data_reason=_other_entity_reason(
                sorted({s.legal_entity for s in known}), legal_entity, what
            )
        )
    holdings: list[Holding] = []
    for subscriber in ours:
        opened = _start_of_day(subscriber.service_start) if subscriber.service_start else start
        if max(opened, start) < end:
            holdings.append(Holding(None, subscriber.account_id, max(opened, start), end))
        for a in assignments:
            if a.account_id == subscriber.account_id and (span := _clip(a, start, end)):
                holdings.append(Holding(a.number, a.account_id, *span))
    if not holdings:
        return Resolution(no_data_reason=f"the {what} had no service during the period")
    return Resolution(holdings=tuple(sorted(holdings, key=_holding_order)))


def holders_in_period(
    number: str, assignments: Sequence[Assignment], period: Period | None
) -> list[str]:
    """Every account that held ``number`` at some time in ``period`` (ever, if None),
    whichever legal entity it belongs to."""
    history = [a for a in assignments if a.number == number]
    if period is None:
        return sorted({a.account_id for a in history})
    start, end = period_bounds(period)
    return sorted({a.account_id for a in history if _clip(a, start, end)})


def account_windows(holdings: Iterable[Holding]) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """Per account, the merged intervals it was attributed in: records keyed by account
    (API sessions) are matched once, however many numbers it held at the same time."""
    by_account: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for h in holdings:
        by_account.setdefault(h.account_id, []).append((h.held_from, h.held_until))
    windows = []
    for account_id in sorted(by_account):
        merged: list[list[dt.datetime]] = []
        for lo, hi in sorted(by_account[account_id]):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        windows.extend((account_id, lo, hi) for lo, hi in merged)
    return windows


def _entity(subscribers: Mapping[str, Subscriber], account_id: str) -> str:
    subscriber = subscribers.get(account_id)
    return subscriber.legal_entity if subscriber else "unknown"


def _start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _holding_order(h: Holding) -> tuple:
    return (h.account_id, h.number or "", h.held_from)


def _not_held_reason(history: Sequence[Assignment], start: dt.datetime, end: dt.datetime) -> str:
    before = [a for a in history if a.assigned_to is not None and a.assigned_to <= start]
    after = [a for a in history if a.assigned_from >= end]
    if before and after:
        last, following = before[-1], after[0]
        return (
            "not assigned to any customer during the period: "
            f"{_ending(last)} on {last.assigned_to.date()}, "
            f"next assigned on {following.assigned_from.date()}"
        )
    if before:
        last = before[-1]
        return f"not the provider's during the period: {_ending(last)} on {last.assigned_to.date()}"
    first = after[0]
    how = "ported in" if first.assignment_type == "port_in" else "first assigned"
    return f"not the provider's during the period: {how} on {first.assigned_from.date()}"


def _ending(a: Assignment) -> str:
    return {"port_out": "ported out", "disconnect": "disconnected"}.get(
        a.end_reason or "", "released"
    )


def _other_entity_reason(entities: Sequence[str], requested: str, what: str) -> str:
    return (
        f"the {what} belonged during the period only to customers of the "
        f"{', '.join(repr(e) for e in entities)} legal entity, not {requested!r}"
    )
