"""Email addresses are one plain address at the contract (issue: a list or a display name
accepted at intake made delivery fail later, after the disclosure was recorded)."""

from __future__ import annotations

import msgspec
import pytest

from contracts.submission import LegalProcessSubmission
from tests.support import submission


@pytest.mark.parametrize(
    "address",
    ["j.doe@raleighpd.gov", "Jordan.Doe+lp@RaleighPD.gov", "o'brien@pd.example.gov"],
)
def test_plain_addresses_are_accepted(address: str) -> None:
    body = submission(officer={"name": "J. Doe", "email": address})
    assert msgspec.convert(body, LegalProcessSubmission).officer.email == address


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("a@pd.gov, b@pd.gov", id="comma-list"),
        pytest.param("a@pd.gov;b@pd.gov", id="semicolon-list"),
        pytest.param('"Chief" <chief@pd.gov>', id="display-name"),
        pytest.param("a@pd.gov\n", id="trailing-newline"),
        pytest.param("a@pd.gov\r\nBcc: x@evil.example", id="header-injection"),
        pytest.param("a b@pd.gov", id="space"),
        pytest.param("a..b@pd.gov", id="double-dot"),
        pytest.param("a@localhost", id="no-domain-dot"),
        pytest.param("a@-pd.gov", id="bad-label"),
        pytest.param("(comment)a@pd.gov", id="comment"),
    ],
)
def test_anything_else_is_refused_naming_the_field(address: str) -> None:
    body = submission(officer={"name": "J. Doe", "email": address})
    with pytest.raises(msgspec.ValidationError, match=r"\$\.officer\.email"):
        msgspec.convert(body, LegalProcessSubmission)
