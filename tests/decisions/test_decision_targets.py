"""Target normalisation (docs/legal-rules.md): the same target in any spelling is the same
target."""

from __future__ import annotations

import pytest

from contracts.enums import IdentifierKind
from contracts.legal_process import Identifier
from services.decisions.identifiers import InvalidIdentifier, normalise_identifier

PHONE = IdentifierKind.TELEPHONE_NUMBER
EMAIL = IdentifierKind.EMAIL
IP = IdentifierKind.IP_ADDRESS
ACCOUNT = IdentifierKind.ACCOUNT_ID


@pytest.mark.parametrize(
    ("kind", "raw", "region", "expected"),
    [
        pytest.param(
            PHONE, "(919) 555-0100", "US", "+19195550100", id="e164-us-national-parenthesised"
        ),
        pytest.param(PHONE, "+1 919-555-0100", "US", "+19195550100", id="e164-us-international"),
        pytest.param(PHONE, "+19195550100", "US", "+19195550100", id="e164-already-canonical"),
        pytest.param(PHONE, " 919.555.0100 ", "US", "+19195550100", id="e164-dotted-trimmed"),
        pytest.param(PHONE, "1-919-555-0100", "US", "+19195550100", id="e164-trunk-prefix"),
        pytest.param(PHONE, "+44 20 7946 0958", "US", "+442079460958", id="e164-uk-international"),
        pytest.param(
            PHONE, "020 7946 0958", "GB", "+442079460958", id="e164-uk-national-default-region"
        ),
        pytest.param(
            EMAIL,
            "  J.Doe@RaleighPD.GOV ",
            "US",
            "j.doe@raleighpd.gov",
            id="email-lowercased-trimmed",
        ),
        pytest.param(
            EMAIL,
            "mailto:Alice+tag@Example.com",
            "US",
            "alice+tag@example.com",
            id="email-mailto-prefix",
        ),
        pytest.param(
            EMAIL,
            "user@bücher.example",
            "US",
            "user@xn--bcher-kva.example",
            id="email-idn-punycode",
        ),
        pytest.param(IP, " 192.0.2.1 ", "US", "192.0.2.1", id="ipv4-trimmed"),
        pytest.param(
            IP, "2001:0DB8:0000:0000:0000:0000:0000:0001", "US", "2001:db8::1", id="ipv6-compressed"
        ),
        pytest.param(IP, "[2001:db8::1]", "US", "2001:db8::1", id="ipv6-bracketed"),
        pytest.param(
            IP, "2001:DB8:0:0:1:0:0:1", "US", "2001:db8::1:0:0:1", id="ipv6-lowercase-leftmost-run"
        ),
        pytest.param(IP, "::ffff:192.0.2.1", "US", "192.0.2.1", id="ipv6-mapped-ipv4-is-ipv4"),
        pytest.param(ACCOUNT, "  AC123abc ", "US", "AC123abc", id="account-trimmed-case-kept"),
        pytest.param(ACCOUNT, "acct_42-x.y", "US", "acct_42-x.y", id="account-punctuation-allowed"),
    ],
)
def test_normalises(kind: IdentifierKind, raw: str, region: str, expected: str) -> None:
    assert normalise_identifier(kind, raw, region) == Identifier(kind=kind, value=expected)


def test_both_spellings_of_one_number_match() -> None:
    national = normalise_identifier(PHONE, "(919) 555-0100")
    international = normalise_identifier(PHONE, "+1 919-555-0100")
    assert national == international
    assert national.value == "+19195550100"


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        pytest.param(PHONE, "555-0100", "not a valid telephone number", id="phone-no-area-code"),
        pytest.param(
            PHONE,
            "+1 555 555 0100",
            "not a valid telephone number",
            id="phone-unassigned-area-code",
        ),
        pytest.param(PHONE, "12345", "wrong number of digits", id="phone-too-short"),
        pytest.param(PHONE, "call me maybe", "not a telephone number", id="phone-not-a-number"),
        pytest.param(PHONE, "(919) 555-0100 x12", "extension", id="phone-extension"),
        pytest.param(PHONE, "   ", "empty telephone number", id="phone-blank"),
        pytest.param(EMAIL, "no-at-sign.example.com", "expected local@domain", id="email-no-at"),
        pytest.param(EMAIL, "@example.com", "expected local@domain", id="email-no-local-part"),
        pytest.param(EMAIL, "a..b@example.com", "misplaced dots", id="email-double-dot"),
        pytest.param(EMAIL, "a@localhost", "invalid domain", id="email-single-label-domain"),
        pytest.param(EMAIL, "a@-example.com", "invalid domain", id="email-label-hyphen"),
        pytest.param(EMAIL, "a b@example.com", "invalid part before the @", id="email-space"),
        pytest.param(
            IP, "192.168.001.1", "not an IPv4 or IPv6 address", id="ipv4-leading-zero-ambiguous"
        ),
        pytest.param(IP, "999.1.1.1", "not an IPv4 or IPv6 address", id="ipv4-octet-range"),
        pytest.param(IP, "fe80::1%eth0", "scoped", id="ipv6-zone-scoped"),
        pytest.param(ACCOUNT, "a b", "not an account id", id="account-space"),
        pytest.param(ACCOUNT, "x;drop table", "not an account id", id="account-punctuation"),
        pytest.param(ACCOUNT, "A" * 129, "longer than 128", id="account-too-long"),
    ],
)
def test_rejects(kind: IdentifierKind, raw: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        normalise_identifier(kind, raw)


def test_invalid_identifier_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        normalise_identifier(EMAIL, "nope")
