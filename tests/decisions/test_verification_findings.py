"""Writ policy: requester verification says exactly why (issue 11; docs/legal-rules.md).
A row per finding (services/decisions/requester_checks.py), and look-alike domains
generated from every registered domain."""

from __future__ import annotations

import msgspec
import pytest

from contracts.determination import Flag
from services.decisions.requester_checks import (
    lookalike,
    lookalike_of,
    mailbox_kind,
    verification_findings,
)
from services.decisions.safeguards import unverified_facts
from tests.factories import VERIFIED, decide, make_process

# What the registry holds across its agencies (the suite's and the README's domains).
REGISTERED = [
    "raleighpd.gov",
    "wakegov.com",
    "ncdoj.gov",
    "durhamnc.gov",
    "fbi.gov",
    "cary-pd.org",
    "sheriff.wake.nc.us",
]


def check(**overrides):
    facts = {
        "agency_registered": True,
        "agency_domains": ["raleighpd.gov"],
        "registered_domains": REGISTERED,
        "officer_email": "j.doe@raleighpd.gov",
        "officer_on_roster": True,
        "officer_has_asked_before": True,
        "token_subject": "j.doe@raleighpd.gov",
    } | overrides
    return verification_findings(**facts)


def codes(findings) -> list[str]:
    return [f.code for f in findings]


@pytest.mark.parametrize(
    ("overrides", "expected", "in_reason"),
    [
        pytest.param({}, [], "", id="verified: registered agency, own domain, known officer"),
        pytest.param(
            {"agency_registered": False},
            ["agency_not_registered"],
            "not in the registry",
            id="agency not registered",
        ),
        pytest.param(
            {"officer_email": "j.doe@ncdoj.gov", "token_subject": "j.doe@ncdoj.gov"},
            ["email_domain_not_registered"],
            "registered to another agency",
            id="email domain not one of the agency's (another agency's)",
        ),
        pytest.param(
            {"officer_email": "j.doe@raleigh-pd.gov", "token_subject": "j.doe@raleigh-pd.gov"},
            ["email_domain_not_registered", "lookalike_domain"],
            "looks like raleighpd.gov",
            id="look-alike domain (hyphen inserted)",
        ),
        pytest.param(
            {"officer_email": "j.doe@gmail.com", "token_subject": "j.doe@gmail.com"},
            ["email_domain_not_registered", "free_mail_domain"],
            "free-mail",
            id="free-mail domain",
        ),
        pytest.param(
            {"officer_email": "j.doe@mailinator.com", "token_subject": "j.doe@mailinator.com"},
            ["email_domain_not_registered", "disposable_domain"],
            "disposable",
            id="disposable domain",
        ),
        pytest.param(
            {"officer_on_roster": False},
            ["officer_not_on_roster"],
            "roster",
            id="officer not on the roster",
        ),
        pytest.param(
            {"officer_has_asked_before": False},
            ["first_request_from_officer"],
            "first request",
            id="first request from this officer",
        ),
        pytest.param(
            {"token_subject": "m.smith@raleighpd.gov"},
            ["token_subject_mismatch"],
            "m.smith@raleighpd.gov",
            id="token subject is not the officer named",
        ),
    ],
)
def test_each_finding_has_its_code_and_reason(overrides, expected, in_reason) -> None:
    findings = check(**overrides)
    assert codes(findings) == expected
    if expected:
        assert in_reason in findings[-1].reason or in_reason in findings[0].reason


def test_only_the_first_request_finding_does_not_block() -> None:
    findings = check(
        officer_email="x@raleigh-pd.gov",
        officer_on_roster=False,
        officer_has_asked_before=False,
        token_subject="y@raleighpd.gov",
    )
    assert {f.code for f in findings if not f.blocking} == {"first_request_from_officer"}


# -- look-alikes generated from every registered domain -----------------------------------


def _variants(domain: str) -> list[tuple[str, str]]:
    """(look-alike, how) pairs built from ``domain`` the ways phishing kits build them."""
    name, _, tld = domain.rpartition(".")
    first, rest = name.split(".", 1) if "." in name else (name, "")
    suffix = ("." + rest if rest else "") + "." + tld
    middle = len(first) // 2
    out = [
        (first[:middle] + "-" + first[middle:] + suffix, "hyphen inserted"),
        (first[:middle] + "." + first[middle:] + suffix, "dot inserted"),
        (domain + ".co", "TLD added"),
        (domain + ".com", "TLD added"),
        (name + (".org" if tld != "org" else ".com"), "TLD swapped"),
        (first[:-1] + suffix, "character removed"),
        (first + first[-1] + suffix, "character doubled"),
        (first[:middle] + first[middle + 1] + first[middle] + first[middle + 2 :] + suffix, "swap"),
    ]
    if "-" in first:
        out.append((first.replace("-", "") + suffix, "hyphen removed"))
    if "." in name:
        out.append((name.replace(".", "", 1) + "." + tld, "dot removed"))
    homoglyphs = {"a": "а", "o": "о", "e": "е", "i": "і", "c": "с", "p": "р"}  # Cyrillic
    for latin, cyrillic in homoglyphs.items():
        if latin in first:
            out.append((first.replace(latin, cyrillic, 1) + suffix, f"Cyrillic {latin}"))
            break
    if "o" in first:
        out.append((first.replace("o", "0", 1) + suffix, "zero for o"))
    if "l" in first:
        out.append((first.replace("l", "1", 1) + suffix, "one for l"))
    if "m" in first:
        out.append((first.replace("m", "rn", 1) + suffix, "rn for m"))
    return [(v, how) for v, how in out if v != domain and v not in REGISTERED]


LOOKALIKES = [
    pytest.param(genuine, variant, id=f"{genuine}:{how}:{variant}")
    for genuine in REGISTERED
    for variant, how in _variants(genuine)
]


@pytest.mark.parametrize(("genuine", "variant"), LOOKALIKES)
def test_lookalike_of_every_registered_domain_is_found(genuine: str, variant: str) -> None:
    found = lookalike_of(variant, REGISTERED)
    assert found is not None, f"{variant} was not recognised as a look-alike"
    assert found[0] == genuine or lookalike(variant, found[0]) is not None
    findings = check(
        agency_domains=[genuine], officer_email=f"x@{variant}", token_subject=f"x@{variant}"
    )
    assert "lookalike_domain" in codes(findings)


@pytest.mark.parametrize(
    ("variant", "genuine"),
    [
        ("raleigh-pd.gov", "raleighpd.gov"),
        ("raleighpd.gov.co", "raleighpd.gov"),
        ("xn--raleghpd-whh.gov", "raleighpd.gov"),  # punycode (Cyrillic i) is decoded first
    ],
)
def test_the_issue_examples(variant: str, genuine: str | None) -> None:
    found = lookalike_of(variant, REGISTERED)
    assert found is not None
    if genuine:
        assert found[0] == genuine


@pytest.mark.parametrize(
    "domain",
    ["raleighpd.gov", "mail.raleighpd.gov", "charlottenc.gov", "usmarshals.gov", "example.org"],
)
def test_registered_subdomains_and_unrelated_domains_are_not_lookalikes(domain: str) -> None:
    assert lookalike_of(domain, REGISTERED) is None


def test_free_mail_and_disposable_lists_come_from_maintained_packages() -> None:
    assert mailbox_kind("gmail.com") == "free_mail"
    assert mailbox_kind("outlook.com") == "free_mail"
    assert mailbox_kind("mailinator.com") == "disposable"
    assert mailbox_kind("raleighpd.gov") is None


# -- the findings in the determination -------------------------------------------------------


def test_findings_are_reasons_in_the_determination_and_block_auto_processing() -> None:
    findings = check(officer_email="j.doe@raleigh-pd.gov", token_subject="j.doe@raleigh-pd.gov")
    requester = msgspec.structs.replace(
        VERIFIED,
        email_domain_verified=False,
        findings=findings,
        officer_email="j.doe@raleigh-pd.gov",
    )
    d = decide(requester=requester)
    assert Flag.UNVERIFIED_REQUESTER in d.flags and d.human_review_required
    assert {"verification:email_domain_not_registered", "verification:lookalike_domain"} <= {
        r.code for r in d.reasons
    }
    problems = unverified_facts(requester)
    assert any("looks like raleighpd.gov" in p for p in problems)


def test_a_first_request_is_noted_but_still_auto_approvable() -> None:
    requester = msgspec.structs.replace(VERIFIED, findings=check(officer_has_asked_before=False))
    assert unverified_facts(requester) == []
    d = decide(requester=requester)
    assert d.human_review_required is False
    assert "verification:first_request_from_officer" in {r.code for r in d.reasons}


def test_a_token_for_someone_else_blocks() -> None:
    requester = msgspec.structs.replace(
        VERIFIED, findings=check(token_subject="someone@raleighpd.gov")
    )
    assert unverified_facts(requester) and make_process(requester=requester)
