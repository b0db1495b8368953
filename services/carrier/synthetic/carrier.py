"""The synthetic carrier behind a generated lake: accounts, numbers, their assignment
history, and how busy each number and account is.

Pure and seeded: the same (rows, seed, start, months, layout) gives the same carrier.
Only ``random.Random.random()`` is used, because it is the one part of the module Python
promises to keep reproducible across versions; every distribution here is built on it.
The fact tables (calls, messages, sessions) are not made here but by DuckDB from the
activity tables this module returns (see ``facts``), so hundreds of millions of rows never
pass through Python.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from services.carrier import schema
from services.carrier.layout import LakeLayout

# Volumes per call record, tuned so a lookup of one number over 90 days returns a realistic
# few hundred records and the tables keep a carrier's proportions.
CALLS_PER_NUMBER_MONTH = 40
MESSAGES_PER_CALL = 0.6
SESSIONS_PER_CALL = 0.05
NUMBERS_PER_ACCOUNT = 2.5
EU_ACCOUNT_SHARE = 0.15
BUSINESS_ACCOUNT_SHARE = 0.3
RESELLER_SHARE_OF_BUSINESS = 0.15

# How a number's history inside the window is shaped (the rest stay with one account).
PORTED_IN_SHARE = 0.10
PORTED_OUT_SHARE = 0.08
REASSIGNED_SHARE = 0.12
QUARANTINE_DAYS = (30, 90)  # a disconnected number ages this long before reassignment

_FIRST_NAMES = (
    "Avery",
    "Blake",
    "Carmen",
    "Dmitri",
    "Elena",
    "Farah",
    "Gideon",
    "Hana",
    "Ivan",
    "Jamal",
    "Keiko",
    "Luis",
    "Maya",
    "Nikolai",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Samir",
    "Tomas",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zara",
    "Noah",
    "Ines",
    "Marek",
    "Lena",
)
_LAST_NAMES = (
    "Abbott",
    "Becker",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Underwood",
    "Varga",
    "Weber",
    "Xu",
    "Young",
    "Zielinski",
    "Murphy",
    "Novak",
    "Silva",
    "Horvat",
)
_COMPANY_WORDS = (
    "Northwind",
    "Bluefin",
    "Cedar",
    "Summit",
    "Harbor",
    "Lumen",
    "Granite",
    "Meridian",
    "Pioneer",
    "Quartz",
    "Riverbend",
    "Sterling",
    "Tidewater",
    "Vantage",
    "Willow",
    "Keystone",
)
_COMPANY_KINDS = ("Logistics", "Health", "Dental", "Realty", "Telecom", "Software", "Foods")
_STREETS = (
    "Oak St",
    "Maple Ave",
    "Main St",
    "Elm St",
    "Park Rd",
    "Lakeview Dr",
    "Hillcrest Rd",
    "Market St",
    "Church Ln",
    "Station Rd",
    "High St",
    "Mill Rd",
)
# (city, region, postal prefix, area codes)
_US_PLACES = (
    ("Raleigh", "NC", "276", ("919", "984")),
    ("Charlotte", "NC", "282", ("704", "980")),
    ("Austin", "TX", "787", ("512", "737")),
    ("Seattle", "WA", "981", ("206",)),
    ("Denver", "CO", "802", ("303", "720")),
    ("Chicago", "IL", "606", ("312", "773")),
    ("Atlanta", "GA", "303", ("404", "678")),
    ("Boston", "MA", "021", ("617", "857")),
    ("Phoenix", "AZ", "850", ("602", "480")),
    ("Portland", "OR", "972", ("503", "971")),
)
# (city, country, E.164 country code, mobile prefix, subscriber digits, MCC-MNC)
_EU_PLACES = (
    ("Dublin", "IE", "353", "87", 7, "272-01"),
    ("Berlin", "DE", "49", "151", 8, "262-02"),
    ("Paris", "FR", "33", "6", 8, "208-10"),
    ("Amsterdam", "NL", "31", "6", 8, "204-08"),
    ("London", "GB", "44", "7", 9, "234-15"),
)
_US_MCC_MNC = "310-260"
_MOBILE_SHARE = 0.6  # numbers served over a mobile partner: their legs carry a cell site


@dataclass(frozen=True)
class LakeVolumes:
    call_records: int
    message_records: int
    api_access_logs: int
    numbers: int
    accounts: int


def volumes_for(rows: int, months: int) -> LakeVolumes:
    """Table sizes for a lake of ``rows`` call records over ``months`` months."""
    if rows < 0 or months < 1:
        raise ValueError("rows must be >= 0 and months >= 1")
    numbers = max(24, math.ceil(rows / (CALLS_PER_NUMBER_MONTH * months)))
    return LakeVolumes(
        call_records=rows,
        message_records=round(rows * MESSAGES_PER_CALL),
        api_access_logs=round(rows * SESSIONS_PER_CALL),
        numbers=numbers,
        accounts=max(8, round(numbers / NUMBERS_PER_ACCOUNT)),
    )


@dataclass(frozen=True)
class LakeWindow:
    """The UTC instants the lake's records span: [start, end)."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of_months(cls, first_day: dt.date, months: int) -> LakeWindow:
        year, month = divmod(first_day.month - 1 + months, 12)
        start = dt.datetime(first_day.year, first_day.month, 1, tzinfo=dt.UTC)
        return cls(start=start, end=dt.datetime(first_day.year + year, month + 1, 1, tzinfo=dt.UTC))


@dataclass(frozen=True)
class SyntheticCarrier:
    window: LakeWindow
    volumes: LakeVolumes
    subscribers: pa.Table
    number_assignments: pa.Table
    # One row per (number, holder) interval inside the window, with its share of calls and
    # messages; the fact generator expands each row into records.
    number_activity: pa.Table
    # One row per account active in the window, with its share of API sessions.
    account_activity: pa.Table


NUMBER_ACTIVITY = pa.schema(
    [
        ("activity_id", pa.int64()),
        ("bucket", pa.int32()),
        ("number", pa.string()),
        ("account_id", pa.string()),
        ("held_from", schema.UTC_INSTANT),
        ("span_us", pa.int64()),
        ("calls", pa.int64()),
        ("messages", pa.int64()),
        ("country_code", pa.string()),
        ("region", pa.string()),
        ("cell_prefix", pa.string()),
        ("cell_base", pa.int64()),
    ]
)
ACCOUNT_ACTIVITY = pa.schema(
    [
        ("activity_id", pa.int64()),
        ("bucket", pa.int32()),
        ("account_id", pa.string()),
        ("active_from", schema.UTC_INSTANT),
        ("span_us", pa.int64()),
        ("sessions", pa.int64()),
    ]
)


@dataclass
class _Account:
    account_id: str
    legal_entity: str
    business: bool
    place: tuple
    row: dict = field(default_factory=dict)
    voice: bool = True
    messaging: bool = True


@dataclass
class _Assignment:
    number: str
    account: _Account
    assigned_from: dt.datetime
    assigned_to: dt.datetime | None
    assignment_type: str
    end_reason: str | None


class _Draw:
    """Distributions over ``Random.random()`` alone (see the module docstring)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def uniform(self) -> float:
        return self._rng.random()

    def chance(self, p: float) -> bool:
        return self._rng.random() < p

    def below(self, n: int) -> int:
        return min(n - 1, int(self._rng.random() * n))

    def between(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi]."""
        return lo + self.below(hi - lo + 1)

    def pick(self, options: Sequence):
        return options[self.below(len(options))]

    def digits(self, count: int) -> str:
        return "".join(str(self.below(10)) for _ in range(count))

    def lognormal(self, sigma: float) -> float:
        # Box-Muller: heavy-tailed activity, so a few numbers are far busier than most.
        u1, u2 = 1.0 - self._rng.random(), self._rng.random()
        return math.exp(sigma * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2))

    def instant(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        seconds = int((end - start).total_seconds() * self._rng.random())
        return start + dt.timedelta(seconds=seconds)


def plan_carrier(
    *, rows: int, seed: int, start: dt.date, months: int, layout: LakeLayout
) -> SyntheticCarrier:
    """The whole synthetic carrier for a lake of ``rows`` call records."""
    draw = _Draw(seed)
    window = LakeWindow.of_months(start, months)
    volumes = volumes_for(rows, months)
    accounts = _make_accounts(draw, volumes.accounts)
    assignments = _make_assignments(draw, window, accounts, volumes.numbers)
    _set_service_start(accounts, assignments)
    number_activity = _number_activity(draw, window, assignments, volumes, layout)
    account_activity = _account_activity(draw, window, assignments, volumes, layout)
    return SyntheticCarrier(
        window=window,
        volumes=volumes,
        subscribers=pa.Table.from_pylist(
            sorted((a.row for a in accounts), key=lambda r: r["account_id"]),
            schema=schema.SUBSCRIBERS,
        ),
        number_assignments=pa.Table.from_pylist(
            [
                {
                    "number": a.number,
                    "account_id": a.account.account_id,
                    "assigned_from": a.assigned_from,
                    "assigned_to": a.assigned_to,
                    "assignment_type": a.assignment_type,
                    "end_reason": a.end_reason,
                }
                for a in assignments
            ],
            schema=schema.NUMBER_ASSIGNMENTS,
        ),
        number_activity=number_activity,
        account_activity=account_activity,
    )


def _make_accounts(draw: _Draw, count: int) -> list[_Account]:
    accounts: list[_Account] = []
    seen: set[str] = set()
    while len(accounts) < count:
        account_id = f"AC{int(draw.uniform() * 2**52):013x}"
        if account_id in seen:
            continue
        seen.add(account_id)
        entity = "eu" if draw.chance(EU_ACCOUNT_SHARE) else "us"
        place = draw.pick(_EU_PLACES if entity == "eu" else _US_PLACES)
        account = _Account(
            account_id=account_id,
            legal_entity=entity,
            business=draw.chance(BUSINESS_ACCOUNT_SHARE),
            place=place,
        )
        account.voice = draw.chance(0.9)
        account.messaging = not account.voice or draw.chance(0.75)
        account.row = _subscriber_row(draw, account)
        accounts.append(account)
    return accounts


def _subscriber_row(draw: _Draw, account: _Account) -> dict:
    first, last = draw.pick(_FIRST_NAMES), draw.pick(_LAST_NAMES)
    if account.business:
        company = f"{draw.pick(_COMPANY_WORDS)} {draw.pick(_COMPANY_KINDS)}"
        suffix = {"us": "LLC", "eu": draw.pick(("Ltd", "GmbH", "SAS", "B.V."))}[
            account.legal_entity
        ]
        name = f"{company} {suffix}"
        email = f"{first.lower()}.{last.lower()}@{company.lower().replace(' ', '')}.example"
    else:
        name = f"{first} {last}"
        email = f"{first.lower()}.{last.lower()}{draw.between(1, 99)}@mail.example"
    is_reseller = account.business and draw.chance(RESELLER_SHARE_OF_BUSINESS)
    if account.legal_entity == "us":
        city, region, zip_prefix, _ = account.place
        postal_code, country = f"{zip_prefix}{draw.digits(2)}", "US"
    else:
        city, country = account.place[0], account.place[1]
        region, postal_code = None, draw.digits(5)
    method, reference = _payment(draw, account.legal_entity, account.business)
    services = (
        ["numbers"]
        + (["voice"] if account.voice else [])
        + (["messaging"] if account.messaging else [])
    )
    return {
        "account_id": account.account_id,
        "legal_entity": account.legal_entity,
        "name": name,
        "address_line1": f"{draw.between(1, 9999)} {draw.pick(_STREETS)}",
        "city": city,
        "region": region,
        "postal_code": postal_code,
        "country": country,
        "email": email,
        "payment_method": method,
        "payment_reference": reference,
        "service_start": None,  # set from the account's first assignment
        "service_types": ",".join(services),
        "is_reseller": is_reseller,
        "reseller_customer_name": name if is_reseller else None,
    }


def _payment(draw: _Draw, entity: str, business: bool) -> tuple[str, str]:
    if business and draw.chance(0.4):
        return "invoice", f"invoice net-30, PO {draw.digits(6)}"
    if entity == "us" and draw.chance(0.25):
        return "ach", f"ach account ending {draw.digits(4)}"
    if entity == "eu" and draw.chance(0.35):
        return "sepa_debit", f"sepa IBAN ending {draw.digits(4)}"
    return "card", f"{draw.pick(('visa', 'mastercard', 'amex'))} ending {draw.digits(4)}"


def _new_number(draw: _Draw, account: _Account, taken: set[str]) -> str:
    while True:
        if account.legal_entity == "us":
            area = draw.pick(account.place[3])
            exchange = draw.between(200, 999)
            # 555 is left out: 555-01xx is the fictional range tests plant their numbers in.
            if exchange == 555 or exchange % 100 == 11:
                continue
            number = f"+1{area}{exchange}{draw.digits(4)}"
        else:
            _, _, code, prefix, digits, _ = account.place
            number = f"+{code}{prefix}{draw.digits(digits)}"
        if number not in taken:
            taken.add(number)
            return number


def _make_assignments(
    draw: _Draw, window: LakeWindow, accounts: list[_Account], number_count: int
) -> list[_Assignment]:
    holders = _first_holders(draw, accounts, number_count)
    by_entity: dict[str, list[_Account]] = {}
    for account in accounts:
        by_entity.setdefault(account.legal_entity, []).append(account)
    taken: set[str] = set()
    assignments: list[_Assignment] = []
    for holder in holders:
        number = _new_number(draw, holder, taken)
        assignments.extend(_history(draw, window, number, holder, by_entity[holder.legal_entity]))
    assignments.sort(key=lambda a: (a.number, a.assigned_from))
    return assignments


def _first_holders(draw: _Draw, accounts: list[_Account], number_count: int) -> list[_Account]:
    """Every account holds at least one number; businesses tend to hold many more."""
    holders = list(accounts)
    weights = [8.0 if a.business else 1.0 for a in accounts]
    cumulative = [0.0]
    for weight in weights:
        cumulative.append(cumulative[-1] + weight)
    for _ in range(max(0, number_count - len(accounts))):
        point = draw.uniform() * cumulative[-1]
        holders.append(accounts[min(len(accounts) - 1, bisect.bisect_right(cumulative, point) - 1)])
    return holders


def _history(
    draw: _Draw, window: LakeWindow, number: str, holder: _Account, same_entity: list[_Account]
) -> list[_Assignment]:
    """One number's assignments: kept, ported in, ported out, or disconnected and reassigned."""
    week = dt.timedelta(days=7)
    since = window.start - dt.timedelta(days=draw.between(1, 5 * 365), seconds=draw.below(86400))
    roll = draw.uniform()
    if roll < PORTED_IN_SHARE:
        ported_in = draw.instant(window.start, window.end - week)
        return [_Assignment(number, holder, ported_in, None, "port_in", None)]
    roll -= PORTED_IN_SHARE
    if roll < PORTED_OUT_SHARE:
        ported_out = draw.instant(window.start + week, window.end)
        return [_Assignment(number, holder, since, ported_out, "new", "port_out")]
    roll -= PORTED_OUT_SHARE
    if roll < REASSIGNED_SHARE and len(same_entity) > 1:
        disconnected = draw.instant(window.start + week, window.end)
        quarantine = dt.timedelta(days=draw.between(*QUARANTINE_DAYS))
        successor = holder
        while successor is holder:
            successor = draw.pick(same_entity)
        return [
            _Assignment(number, holder, since, disconnected, "new", "disconnect"),
            _Assignment(number, successor, disconnected + quarantine, None, "reassignment", None),
        ]
    return [_Assignment(number, holder, since, None, "new", None)]


def _set_service_start(accounts: list[_Account], assignments: list[_Assignment]) -> None:
    first: dict[str, dt.datetime] = {}
    for a in assignments:
        key = a.account.account_id
        first[key] = min(first.get(key, a.assigned_from), a.assigned_from)
    for account in accounts:
        account.row["service_start"] = first[account.account_id].date()


def _clip(
    window: LakeWindow, start: dt.datetime, end: dt.datetime | None
) -> tuple[dt.datetime, int]:
    """The part of [start, end) inside the window: its start and length in microseconds."""
    lo, hi = max(start, window.start), min(end or window.end, window.end)
    return lo, max(0, (hi - lo) // dt.timedelta(microseconds=1))


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder, stable)."""
    weight_sum = sum(weights)
    if total <= 0 or not weights:
        return [0] * len(weights)
    if weight_sum <= 0:
        weights, weight_sum = [1.0] * len(weights), float(len(weights))
    quotas = [total * w / weight_sum for w in weights]
    counts = [int(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - quotas[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _number_activity(
    draw: _Draw,
    window: LakeWindow,
    assignments: list[_Assignment],
    volumes: LakeVolumes,
    layout: LakeLayout,
) -> pa.Table:
    rows = []
    for a in assignments:
        held_from, span_us = _clip(window, a.assigned_from, a.assigned_to)
        if span_us <= 0:
            continue
        busy = draw.lognormal(1.0) * span_us
        rows.append(
            {
                "bucket": layout.bucket_of(a.number),
                "number": a.number,
                "account_id": a.account.account_id,
                "held_from": held_from,
                "span_us": span_us,
                "call_weight": busy if a.account.voice else 0.0,
                "message_weight": draw.lognormal(1.2) * span_us if a.account.messaging else 0.0,
                **_network(draw, a),
            }
        )
    calls = allocate(volumes.call_records, [r.pop("call_weight") for r in rows])
    messages = allocate(volumes.message_records, [r.pop("message_weight") for r in rows])
    for activity_id, (row, n_calls, n_messages) in enumerate(
        zip(rows, calls, messages, strict=True)
    ):
        row.update(activity_id=activity_id, calls=n_calls, messages=n_messages)
    return pa.Table.from_pylist(rows, schema=NUMBER_ACTIVITY)


def _network(draw: _Draw, assignment: _Assignment) -> dict:
    """Where a number's legs come from: country code, trunk region, and home cell if mobile."""
    account = assignment.account
    if account.legal_entity == "us":
        country_code, region, mcc_mnc = "1", account.place[1], _US_MCC_MNC
    else:
        country_code, region, mcc_mnc = account.place[2], account.place[1], account.place[5]
    mobile = draw.chance(_MOBILE_SHARE)
    return {
        "country_code": country_code,
        "region": region,
        "cell_prefix": f"{mcc_mnc}-{draw.between(100, 999)}" if mobile else None,
        "cell_base": draw.between(1000, 60000),
    }


def _account_activity(
    draw: _Draw,
    window: LakeWindow,
    assignments: list[_Assignment],
    volumes: LakeVolumes,
    layout: LakeLayout,
) -> pa.Table:
    """API sessions happen while an account holds at least one number."""
    extent: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for a in assignments:
        start, end = a.assigned_from, a.assigned_to or window.end
        key = a.account.account_id
        if key in extent:
            start, end = min(start, extent[key][0]), max(end, extent[key][1])
        extent[key] = (start, end)
    rows = []
    for account_id in sorted(extent):
        active_from, span_us = _clip(window, *extent[account_id])
        if span_us > 0:
            rows.append(
                {
                    "bucket": layout.bucket_of(account_id),
                    "account_id": account_id,
                    "active_from": active_from,
                    "span_us": span_us,
                    "weight": draw.lognormal(1.0) * span_us,
                }
            )
    sessions = allocate(volumes.api_access_logs, [r.pop("weight") for r in rows])
    for activity_id, (row, count) in enumerate(zip(rows, sessions, strict=True)):
        row.update(activity_id=activity_id, sessions=count)
    return pa.Table.from_pylist(rows, schema=ACCOUNT_ACTIVITY)
