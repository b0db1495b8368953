"""The rate card (docs/billing.md): integer cents per currency, versioned by effective date.

Loaded from ``WRIT_RATE_CARD_FILE`` (TOML or JSON) or the shipped default. Validation is
strict: an unknown or misspelt key, a negative or fractional amount, a currency missing
from a version, two versions on one date, each refused with the key named
(``versions[1].rates.USD.per_targt``), because a silently ignored rate is a wrong invoice.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from contracts.determination import LegalEntity

DEFAULT_RATE_CARD = Path(__file__).with_name("default_rate_card.toml")

Amount = Annotated[int, Meta(ge=0)]


class RateCardError(ValueError):
    """The rate card cannot be used; the message names the file and the key."""


class Rates(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    per_request: Amount
    per_target: Amount
    per_thousand_records: Amount
    emergency_expedite: Amount
    preservation_period: Amount
    preservation_extension: Amount
    reviewer_quarter_hour: Amount
    request_cap: Annotated[int, Meta(ge=0, description="0 means no cap")]


class RateCardVersion(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    effective_from: dt.date
    rates: dict[str, Rates]


class RateCard(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    currencies: dict[LegalEntity, Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]]
    versions: Annotated[list[RateCardVersion], Meta(min_length=1)]
    charge_no_data: bool = False

    def version_on(self, day: dt.date) -> RateCardVersion:
        """The version in force on ``day``: the latest one effective on or before it."""
        in_force = [v for v in self.versions if v.effective_from <= day]
        if not in_force:
            raise RateCardError(
                f"no rate card version is in force on {day.isoformat()}: the first takes "
                f"effect on {min(v.effective_from for v in self.versions).isoformat()}"
            )
        return max(in_force, key=lambda v: v.effective_from)

    def currency_of(self, entity: LegalEntity) -> str:
        try:
            return self.currencies[entity]
        except KeyError as exc:
            raise RateCardError(f"currencies.{entity.value}: no currency for this entity") from exc


def load_rate_card(path: str | Path | None = None) -> RateCard:
    """The card at ``path`` (``.toml`` or ``.json``), or the shipped default."""
    source = Path(path) if path else DEFAULT_RATE_CARD
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise RateCardError(f"cannot read rate card {source}: {exc}") from exc
    return parse_rate_card(raw, source=str(source), toml=source.suffix.lower() != ".json")


def parse_rate_card(raw: bytes | str, *, source: str = "rate card", toml: bool = True) -> RateCard:
    text = raw.decode() if isinstance(raw, bytes) else raw
    try:
        document: Any = tomllib.loads(text) if toml else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise RateCardError(f"{source}: not {'TOML' if toml else 'JSON'}: {exc}") from exc
    if not toml:
        document = _dates_from_json(document)
    _check_rates(document, source)
    try:
        card = msgspec.convert(document, RateCard, strict=True)
    except msgspec.ValidationError as exc:
        raise RateCardError(f"{source}: {_named(exc)}") from exc
    _check(card, source)
    return card


def _dates_from_json(document: Any) -> Any:
    """JSON has no date type: ``effective_from`` is an ISO date string there."""
    if isinstance(document, dict):
        for i, version in enumerate(document.get("versions") or []):
            if isinstance(version, dict) and isinstance(version.get("effective_from"), str):
                try:
                    version["effective_from"] = dt.date.fromisoformat(version["effective_from"])
                except ValueError as exc:
                    raise RateCardError(
                        f"versions[{i}].effective_from: not an ISO date ({exc})"
                    ) from exc
    return document


def _check_rates(document: Any, source: str) -> None:
    """Each currency's rates on their own first: msgspec names a dict entry ``rates[...]``,
    and the key (``rates.USD``) is what the reader needs."""
    versions = document.get("versions") if isinstance(document, dict) else None
    for i, version in enumerate(versions if isinstance(versions, list) else []):
        rates = version.get("rates") if isinstance(version, dict) else None
        for currency, values in rates.items() if isinstance(rates, dict) else ():
            try:
                msgspec.convert(values, Rates, strict=True)
            except msgspec.ValidationError as exc:
                where = f"versions[{i}].rates.{currency}"
                raise RateCardError(f"{source}: {_named(exc, where)}") from exc


def _named(error: msgspec.ValidationError, root: str = "") -> str:
    """msgspec says "Object contains unknown field `x` - at `$.versions[0]`"; say
    "versions[0].x: unknown key" instead, so the key is named where it stands."""
    text = str(error)
    path = ""
    if " - at `$" in text:
        text, _, at = text.partition(" - at `$")
        path = at.rstrip("`").lstrip(".")
    path = ".".join(p for p in (root, path) if p)
    for prefix, what in (
        ("Object contains unknown field `", "unknown key"),
        ("Object missing required field `", "missing key"),
    ):
        if text.startswith(prefix):
            name = text[len(prefix) :].rstrip("`")
            return f"{path + '.' if path else ''}{name}: {what}"
    return f"{path or 'rate card'}: {text}"


def _check(card: RateCard, source: str) -> None:
    seen: set[dt.date] = set()
    needed = set(card.currencies.values())
    for i, version in enumerate(card.versions):
        if version.effective_from in seen:
            raise RateCardError(
                f"{source}: versions[{i}].effective_from: two versions take effect on "
                f"{version.effective_from.isoformat()}"
            )
        seen.add(version.effective_from)
        for currency in sorted(needed - version.rates.keys()):
            raise RateCardError(f"{source}: versions[{i}].rates.{currency}: missing key")
        for currency in sorted(version.rates.keys() - needed):
            raise RateCardError(
                f"{source}: versions[{i}].rates.{currency}: unknown key (no legal entity "
                "bills in this currency)"
            )
