"""The rate card refuses what it cannot price, naming the key (docs/billing.md)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from services.billing.rate_card import (
    DEFAULT_RATE_CARD,
    RateCardError,
    load_rate_card,
    parse_rate_card,
)

RATES = (
    "per_request = 1\nper_target = 1\nper_thousand_records = 1\nemergency_expedite = 1\n"
    "preservation_period = 1\npreservation_extension = 1\nreviewer_quarter_hour = 1\n"
    "request_cap = 0\n"
)


def card(rates: str = RATES, extra: str = "", version_extra: str = "") -> str:
    return (
        f'{extra}[currencies]\nus = "USD"\n[[versions]]\neffective_from = 2026-01-01\n'
        f"{version_extra}[versions.rates.USD]\n{rates}"
    )


def test_the_shipped_card_loads_and_has_both_entities():
    shipped = load_rate_card(None)
    assert load_rate_card(DEFAULT_RATE_CARD) == shipped
    assert {e.value: c for e, c in shipped.currencies.items()} == {"us": "USD", "eu": "EUR"}
    assert shipped.version_on(dt.date(2026, 12, 1)).effective_from == dt.date(2026, 7, 1)
    assert shipped.charge_no_data is False


BAD = [
    (
        "misspelt rate",
        card(RATES.replace("per_target", "per_targt")),
        "versions[0].rates.USD.per_targt: unknown key",
    ),
    (
        "missing rate",
        card(RATES.replace("per_target = 1\n", "")),
        "versions[0].rates.USD.per_target: missing key",
    ),
    ("unknown top-level key", card(extra="charge_nodata = true\n"), "charge_nodata: unknown key"),
    ("unknown version key", card(version_extra="note = 'x'\n"), "versions[0].note: unknown key"),
    ("negative amount", card(RATES.replace("per_request = 1", "per_request = -5")), "per_request"),
    (
        "fractional amount",
        card(RATES.replace("per_request = 1", "per_request = 1.5")),
        "per_request",
    ),
    ("unknown entity", card().replace('us = "USD"', 'us = "USD"\nmars = "MRS"'), "currencies"),
    (
        "currency without an entity",
        card() + "[versions.rates.EUR]\n" + RATES,
        "versions[0].rates.EUR: unknown key",
    ),
    (
        "entity without rates",
        card().replace('us = "USD"', 'us = "USD"\neu = "EUR"'),
        "versions[0].rates.EUR: missing key",
    ),
    ("not TOML", "per_request = = 1", "not TOML"),
]


@pytest.mark.parametrize(("what", "text", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_cards_are_refused_naming_the_key(what, text, message):
    with pytest.raises(RateCardError) as caught:
        parse_rate_card(text, source="rates.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("rates.toml")


def test_two_versions_on_one_date_are_refused():
    text = card() + "[[versions]]\neffective_from = 2026-01-01\n[versions.rates.USD]\n" + RATES
    with pytest.raises(RateCardError, match=r"versions\[1\].effective_from: two versions"):
        parse_rate_card(text)


def test_json_card_with_iso_dates(tmp_path):
    rates = dict(line.split(" = ") for line in RATES.strip().splitlines())
    document = {
        "currencies": {"us": "USD"},
        "versions": [
            {
                "effective_from": "2026-03-01",
                "rates": {"USD": {k: int(v) for k, v in rates.items()}},
            }
        ],
    }
    path = tmp_path / "rates.json"
    path.write_text(json.dumps(document))
    assert load_rate_card(path).versions[0].effective_from == dt.date(2026, 3, 1)
    document["versions"][0]["effective_from"] = "March"
    path.write_text(json.dumps(document))
    with pytest.raises(RateCardError, match=r"versions\[0\].effective_from: not an ISO date"):
        load_rate_card(path)


def test_unreadable_file_is_named(tmp_path):
    with pytest.raises(RateCardError, match="cannot read rate card"):
        load_rate_card(tmp_path / "missing.toml")
