"""Normalise targets so the same number, address or account is recognised in any spelling.

Telephone numbers become E.164 through ``phonenumbers``. We require
``is_valid_number`` (not merely ``is_possible_number``): the NANP metadata treats the
fictional 555-01XX block as valid in real area codes, so "(919) 555-0100" normalises to
"+19195550100", while numbers with an unassigned area code or the wrong length are
refused rather than silently matched against nothing. Extensions are refused because an
extension is not a number the provider assigns.

Emails are trimmed and lower-cased as a whole (docs/legal-rules.md): the local part is
case-sensitive in theory, never in practice, and matching must not depend on how an
agency typed it. IDN domains are stored in their ASCII (punycode) form.

IP addresses take their canonical compressed form; an IPv4-mapped IPv6 address is the
IPv4 address it maps, and zone-scoped addresses are refused (meaningless off the host).

Account ids are trimmed but keep their case (provider account ids are case-sensitive).
"""

from __future__ import annotations

import ipaddress
import re

import phonenumbers

from contracts.enums import IdentifierKind
from contracts.legal_process import Identifier

MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64
MAX_ACCOUNT_ID_LENGTH = 128

_ACCOUNT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_EMAIL_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_DOMAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class InvalidIdentifier(ValueError):
    """A target that cannot be normalised; the message is fit to show the agency."""


def normalise_identifier(kind: IdentifierKind, raw: str, default_region: str = "US") -> Identifier:
    """The canonical form of ``raw`` for matching across requests, or ``InvalidIdentifier``."""
    text = raw.strip()
    if not text:
        raise InvalidIdentifier(f"empty {kind.value.replace('_', ' ')}")
    value = _NORMALISERS[IdentifierKind(kind)](text, default_region)
    return Identifier(kind=IdentifierKind(kind), value=value)


def _telephone_number(text: str, default_region: str) -> str:
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentifier(f"{text!r} is not a telephone number: {exc}") from None
    if number.extension:
        raise InvalidIdentifier(
            f"{text!r} carries an extension; give the telephone number without it"
        )
    if not phonenumbers.is_possible_number(number):
        raise InvalidIdentifier(f"{text!r} has the wrong number of digits for a telephone number")
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) is None
    ):
        raise InvalidIdentifier(
            f"{text!r} is not a valid telephone number in any numbering plan"
            " (check the area code, and give a + country code for numbers outside "
            f"{default_region})"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(text: str, _region: str) -> str:
    address = text.lower()
    if address.startswith("mailto:"):
        address = address.removeprefix("mailto:")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise InvalidIdentifier(f"{text!r} is not an email address (expected local@domain)")
    if len(local) > MAX_LOCAL_PART_LENGTH or not _EMAIL_LOCAL.fullmatch(local):
        raise InvalidIdentifier(f"{text!r} has an invalid part before the @")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise InvalidIdentifier(f"{text!r} has misplaced dots before the @")
    try:
        domain = domain.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidIdentifier(f"{text!r} has an invalid domain") from None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise InvalidIdentifier(f"{text!r} has an invalid domain (expected e.g. example.com)")
    address = f"{local}@{domain}"
    if len(address) > MAX_EMAIL_LENGTH:
        raise InvalidIdentifier(f"{text!r} is longer than {MAX_EMAIL_LENGTH} characters")
    return address


def _ip_address(text: str, _region: str) -> str:
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if "%" in text:
        raise InvalidIdentifier(
            f"{text!r} is scoped to one host's interface; give a global address"
        )
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise InvalidIdentifier(f"{text!r} is not an IPv4 or IPv6 address") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.compressed


def _account_id(text: str, _region: str) -> str:
    if len(text) > MAX_ACCOUNT_ID_LENGTH:
        raise InvalidIdentifier(f"account id is longer than {MAX_ACCOUNT_ID_LENGTH} characters")
    if not _ACCOUNT_ID.fullmatch(text):
        raise InvalidIdentifier(
            f"{text!r} is not an account id (letters, digits, '.', '_' and '-' only)"
        )
    return text


_NORMALISERS = {
    IdentifierKind.TELEPHONE_NUMBER: _telephone_number,
    IdentifierKind.EMAIL: _email,
    IdentifierKind.IP_ADDRESS: _ip_address,
    IdentifierKind.ACCOUNT_ID: _account_id,
}
