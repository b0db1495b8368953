"""A legal process as Writ holds it once taken in: normalised, and safe to keep in history.

The agency's submission (``contracts.submission``) is strict about unknown fields;
these Structs are not, because old workflow histories are replayed by newer code and
newer payloads may be read by a worker that has not been upgraded yet. Every field
added later needs a default.
"""

from __future__ import annotations

import datetime as dt
import re

import msgspec

from contracts.enums import DataCategory, IdentifierKind, IssuerKind, ProcessType

# The one shape of a request id (Writ issues "lp_" + 24 hex digits): letters, digits, "_"
# and "-", starting with a letter or digit, at most 64. Safe as an S3 key segment, in a
# Message-ID and a file name (no "." so no ".." segment), and comparable by PostgreSQL
# (no NUL). The API refuses anything else before the register sees it; delivery and
# collection check it again before building a key from it.
REQUEST_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
REQUEST_ID = re.compile(REQUEST_ID_PATTERN)


def is_request_id(value: str) -> bool:
    return REQUEST_ID.fullmatch(value) is not None


class Identifier(msgspec.Struct, frozen=True, kw_only=True):
    """A normalised target: E.164 number, lower-case email, canonical IP, trimmed account id."""

    kind: IdentifierKind
    value: str


class Period(msgspec.Struct, frozen=True, kw_only=True):
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class NdoTerm(msgspec.Struct, frozen=True, kw_only=True):
    authority: str
    ends_on: dt.date | None = None


class Emergency(msgspec.Struct, frozen=True, kw_only=True):
    nature_of_danger: str
    follow_up_process_expected: bool = True
    callback_verified_by: str | None = None
    callback_verified_at: dt.datetime | None = None


class VerificationFinding(msgspec.Struct, frozen=True, kw_only=True):
    """One requester check that did not pass, with the reason a reviewer reads
    (docs/legal-rules.md, "Requester verification")."""

    code: str  # agency_not_registered, email_domain_not_registered, lookalike_domain, ...
    reason: str
    # Blocking findings hold the request in ``verifying`` until staff verify the requester;
    # the others (a first request from an officer) are shown and audited only.
    blocking: bool = True


class Requester(msgspec.Struct, frozen=True, kw_only=True):
    agency_id: str
    agency_name: str = ""
    agency_jurisdiction: str = ""
    officer_name: str = ""
    officer_email: str = ""
    # Verification facts established at intake against the agencies registry.
    agency_registered: bool = False
    email_domain_verified: bool = False
    officer_known: bool = False
    # On the roster but deactivated by the agency's admin (docs/agencies.md).
    officer_deactivated: bool = False
    # Added in issue 11: every check's finding, and who the agency's token named.
    findings: list[VerificationFinding] = []
    token_subject: str = ""


class LegalProcess(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    process_type: ProcessType
    issuer_kind: IssuerKind
    issuer_name: str
    jurisdiction: str
    issued_on: dt.date
    received_at: dt.datetime
    case_number: str
    requester: Requester
    targets: list[Identifier]
    categories: list[DataCategory]
    period: Period | None = None
    return_date: dt.date | None = None
    non_disclosure_order: NdoTerm | None = None
    emergency: Emergency | None = None
    reimbursement_requested: bool = False
    document_key: str = ""
    document_sha256: str = ""
    duplicate_of: str | None = None
    # Added in issue 11: the emergency request this process follows up (linked at intake).
    follows_emergency: str | None = None
