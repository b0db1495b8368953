"""The yearly transparency report (docs/transparency.md, docs/architecture.md §10): what the
JSON output, the API and the published snapshot carry.

The schema is versioned: ``schema_version`` changes only when a field is removed or its
meaning changes; fields added later carry a default. National-security process appears
only as bands (50 U.S.C. §1874(a)); no field anywhere holds an exact national-security count,
and national-security requests are left out of every other figure.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import msgspec
from msgspec import Meta

from contracts.enums import IssuerKind, ProcessType

SCHEMA_NAME = "writ.transparency-report"
SCHEMA_VERSION = 1

Count = Annotated[int, Meta(ge=0)]
Share = Annotated[
    float | None,
    Meta(description="Percentage (0-100, one decimal); null when there is nothing to divide by"),
]
PeriodLabel = Annotated[
    str,
    Meta(
        pattern=r"^[0-9]{4}(-H[12])?$",
        description="A calendar year (2026) or a half-year (2026-H1, 2026-H2)",
        examples=["2026", "2026-H1"],
    ),
]


class NationalSecurityOption(enum.StrEnum):
    """The four ways 50 U.S.C. §1874(a) lets a provider report national-security process."""

    SEMIANNUAL_1000 = "semiannual_1000"  # §1874(a)(1): NSLs, FISA content, FISA non-content
    SEMIANNUAL_500 = "semiannual_500"  # §1874(a)(2): NSLs; FISA combined
    SEMIANNUAL_250 = "semiannual_250"  # §1874(a)(3): all national-security process combined
    ANNUAL_100 = "annual_100"  # §1874(a)(4): all combined, yearly


class NationalSecurityCategory(enum.StrEnum):
    NSL = "national_security_letters"
    FISA_CONTENT = "fisa_content"
    FISA_NON_CONTENT = "fisa_non_content"
    FISA = "fisa"  # content and non-content combined
    ALL = "all_national_security_process"


class OutcomeCounts(msgspec.Struct, frozen=True, kw_only=True):
    """Requests by how they ended; ``pending`` had not ended when the report was computed."""

    produced: Count = 0
    partially_produced: Count = 0
    no_data: Count = 0
    rejected: Count = 0
    redirected: Count = 0
    withdrawn: Count = 0
    preserved: Count = 0
    pending: Count = 0


class ProcessTypeFigures(msgspec.Struct, frozen=True, kw_only=True):
    process_type: ProcessType
    requests: Count
    identifiers: Annotated[int, Meta(ge=0, description="Targets (numbers, accounts, ...) named")]
    outcomes: OutcomeCounts
    produced_share: Share = None


class RequesterFigures(msgspec.Struct, frozen=True, kw_only=True):
    issuer_kind: IssuerKind
    requests: Count
    identifiers: Count
    outcomes: OutcomeCounts
    produced_share: Share = None


class CountryFigures(msgspec.Struct, frozen=True, kw_only=True):
    country: Annotated[str, Meta(description="ISO 3166-1 alpha-2 of the requesting state")]
    requests: Count
    outcomes: OutcomeCounts


class Totals(msgspec.Struct, frozen=True, kw_only=True):
    requests: Count
    identifiers: Count
    accounts_affected: Annotated[
        int, Meta(ge=0, description="Distinct customer accounts whose records were produced")
    ]
    produced_share: Share = None
    pending: Annotated[int, Meta(ge=0, description="Not ended when the report was computed")] = 0
    open_at_period_end: Annotated[
        int, Meta(ge=0, description="Not ended by the last day of the period")
    ] = 0


class EmergencyFigures(msgspec.Struct, frozen=True, kw_only=True):
    requests: Count
    disclosed: Annotated[int, Meta(ge=0, description="Ended with some data produced")]
    outcomes: OutcomeCounts
    disclosed_share: Share = None
    # Issue 11: emergency disclosures and the follow-up legal process the policy expects.
    with_follow_up: Annotated[
        int, Meta(ge=0, description="Emergency disclosures followed up by legal process")
    ] = 0
    without_follow_up: Annotated[
        int, Meta(ge=0, description="Emergency disclosures no legal process has followed up")
    ] = 0


class PreservationFigures(msgspec.Struct, frozen=True, kw_only=True):
    requests: Count
    extended: Annotated[int, Meta(ge=0, description="Preservations extended (§2703(f)(2))")]
    extensions: Count


class NoticeFigures(msgspec.Struct, frozen=True, kw_only=True):
    notified: Annotated[int, Meta(ge=0, description="Requests whose customers were notified")]
    delayed_by_ndo: Annotated[
        int, Meta(ge=0, description="Notified only after a §2705(b) order lapsed")
    ]
    still_barred: Annotated[
        int, Meta(ge=0, description="Under an order still in force, customers not yet notified")
    ]
    ndo_requests: Annotated[int, Meta(ge=0, description="Requests with a non-disclosure order")]
    ndo_share: Share = None


class Band(msgspec.Struct, frozen=True, kw_only=True):
    """A range the law allows instead of a number: ``lower``-``upper`` inclusive."""

    lower: Count
    upper: Count
    label: Annotated[str, Meta(examples=["0-249"])]


class NationalSecurityLine(msgspec.Struct, frozen=True, kw_only=True):
    period: PeriodLabel
    category: NationalSecurityCategory
    requests: Band
    selectors: Annotated[Band, Meta(description="Customer selectors targeted, in a band")]


class NationalSecurityFigures(msgspec.Struct, frozen=True, kw_only=True):
    option: NationalSecurityOption
    authority: str = "50 U.S.C. §1874(a)"
    reported: bool = True
    note: str = ""
    lines: list[NationalSecurityLine] = []


class TransparencyReport(msgspec.Struct, frozen=True, kw_only=True):
    """One period's report: every figure but national security is an exact count."""

    schema: str = SCHEMA_NAME
    schema_version: int = SCHEMA_VERSION
    period: PeriodLabel
    period_start: dt.date
    period_end: Annotated[dt.date, Meta(description="Last day of the period, inclusive")]
    period_ended: Annotated[bool, Meta(description="The period was over when computed")]
    computed_at: dt.datetime
    provider: str = ""
    totals: Totals
    by_process_type: list[ProcessTypeFigures] = []
    by_requester: list[RequesterFigures] = []
    emergency: EmergencyFigures
    preservation: PreservationFigures
    foreign: list[CountryFigures] = []
    notices: NoticeFigures
    national_security: NationalSecurityFigures


class Publication(msgspec.Struct, frozen=True, kw_only=True):
    """A frozen snapshot: where its three files are kept and their digests."""

    period: PeriodLabel
    published_at: dt.datetime
    published_by: str
    bucket: str
    json_key: str
    json_sha256: str
    csv_key: str
    csv_sha256: str
    html_key: str
    html_sha256: str
    retain_until: dt.datetime | None = None


class FigureDifference(msgspec.Struct, frozen=True, kw_only=True):
    """One cell whose live value differs from the published one (CSV cell naming)."""

    section: str
    row: str
    column: str
    published: str
    live: str


class LiveComparison(msgspec.Struct, frozen=True, kw_only=True):
    """``?compare=live``: the published figures against a fresh computation."""

    period: PeriodLabel
    publication: Publication
    live_computed_at: dt.datetime
    differences: list[FigureDifference] = []
