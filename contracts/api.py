"""HTTP bodies of the intake API beyond the submission itself (docs/architecture.md §4).

Request bodies forbid unknown fields (a typo must not silently drop a legal fact);
responses are plain Structs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from msgspec import Meta

from contracts.determination import Flag, Reason
from contracts.enums import (
    Awaiting,
    DataCategory,
    DecisionAction,
    Outcome,
    ProcessType,
    RejectionReason,
    Status,
)
from contracts.legal_process import Period
from contracts.submission import NO_NUL, Email, Jurisdiction, Note, ShortText
from contracts.workflow import Deadlines

AgencyId = Annotated[
    str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="Slug, e.g. raleigh-pd")
]
Domain = Annotated[str, Meta(pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$", max_length=253)]


class OfficerIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: ShortText
    email: Email
    badge: Annotated[str, Meta(max_length=64, pattern=NO_NUL)] | None = None
    phone: Annotated[str, Meta(max_length=32, pattern=NO_NUL)] | None = None


class AgencyIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: AgencyId
    name: ShortText
    jurisdiction: Jurisdiction
    email_domains: Annotated[list[Domain], Meta(min_length=1, description="Verified email domains")]
    callback_number: Annotated[
        str,
        Meta(
            min_length=7,
            max_length=32,
            pattern=NO_NUL,
            description="Published number used for call-back verification",
        ),
    ]
    webhook_url: Annotated[str, Meta(pattern=r"^https?://[^\s\x00]+$", max_length=2000)] | None = (
        None
    )
    webhook_secret: Annotated[str, Meta(min_length=16, max_length=200, pattern=NO_NUL)] | None = (
        None
    )
    officers: list[OfficerIn] = []


class AgencyView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    jurisdiction: str
    email_domains: list[str]
    callback_number: str
    webhook_url: str | None = None
    created_at: dt.datetime | None = None


class DeterminationSummary(msgspec.Struct, frozen=True, kw_only=True):
    disposition: str
    allowed_categories: list[DataCategory] = []
    denied_categories: list[DataCategory] = []
    flags: list[Flag] = []
    reasons: list[Reason] = []
    targets_allowed: int = 0
    targets_refused: int = 0


class TargetOutcomeView(msgspec.Struct, frozen=True, kw_only=True):
    """One target's outcome (issue 11): what was decided, why, and where to go instead."""

    kind: str
    value: str
    decision: Annotated[
        str, Meta(description="allowed, refused or redirected", examples=["redirected"])
    ]
    reason: Annotated[str, Meta(description="Why, in the words the agency reads")] = ""
    authority: str = ""
    redirect_to: Annotated[
        str | None,
        Meta(description="Where to serve instead: the reseller customer, MLAT, domestication"),
    ] = None
    # Staff only (empty in the agency's view): the rule's code and the records' entity.
    internal_reason: Annotated[
        str, Meta(description="Staff only: the rule code and the internal facts behind it")
    ] = ""


class FindingView(msgspec.Struct, frozen=True, kw_only=True):
    """A requester-verification finding (staff only): code and reason."""

    code: str
    reason: str
    blocking: bool = True


class RefusalView(msgspec.Struct, frozen=True, kw_only=True):
    """The machine's drafted refusal and where it stands (issue 11)."""

    state: Annotated[
        str,
        Meta(description="awaiting_confirmation, confirmed or overridden"),
    ]
    reasons: list[Reason] = []
    citations: list[str] = []
    response: Annotated[str, Meta(description="The answer to the agency, as drafted")] = ""
    needs_legal: bool = False
    overridden_by: str | None = None


class FollowUpView(msgspec.Struct, frozen=True, kw_only=True):
    """An emergency disclosure's follow-up legal process (issue 11)."""

    status: Annotated[
        str, Meta(description="awaiting, received, late or missing", examples=["awaiting"])
    ]
    due_at: dt.datetime | None = None
    follow_up_request_id: str | None = None


class LegalProcessView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    status: Status
    process_type: ProcessType
    case_number: str
    agency_id: str
    received_at: dt.datetime
    updated_at: dt.datetime | None = None
    return_date: dt.date | None = None
    emergency: bool = False
    duplicate_of: str | None = None
    document_sha256: str = ""
    determination: DeterminationSummary | None = None
    deadlines: Deadlines | None = None
    awaiting: Annotated[
        Awaiting, Meta(description="What the request waits for: verification, review, agency")
    ] = Awaiting.NONE
    question: Annotated[str, Meta(description="The clarification asked of the agency, if any")] = ""
    escalated: bool = False
    overdue: bool = False
    outcome: Outcome | None = None
    production_available: bool = False
    message: str = ""
    # Issue 11 (fields added; each has a default).
    targets: Annotated[
        list[TargetOutcomeView], Meta(description="Each target's decision, reason and redirect")
    ] = []
    refusal: RefusalView | None = None
    redirected_by_rule: Annotated[
        bool, Meta(description="Redirected by the machine under the policy, for a look")
    ] = False
    findings: Annotated[
        list[FindingView],
        Meta(description="Staff only: requester-verification findings, each with its reason"),
    ] = []
    follow_up: Annotated[
        FollowUpView | None,
        Meta(description="Emergency disclosures: the follow-up process expected, and its state"),
    ] = None
    follows_emergency: Annotated[
        str | None, Meta(description="The emergency request this process follows up")
    ] = None


class LegalProcessPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[LegalProcessView]
    next_cursor: str | None = None


class DecisionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    action: DecisionAction
    reason_code: RejectionReason | None = None
    note: Note = ""
    categories: Annotated[
        list[DataCategory] | None,
        Meta(
            description="Approve: narrow to these categories (never wider than allowed);"
            " override_refusal: the categories the overriding reviewer puts back in review"
        ),
    ] = None
    targets: Annotated[
        list[Annotated[str, Meta(max_length=320, pattern=NO_NUL)]] | None,
        Meta(
            description="Approve: narrow to these normalised target values; override_refusal:"
            " the targets put back in review (all when omitted)"
        ),
    ] = None
    question: Annotated[
        str,
        Meta(
            max_length=4000, pattern=NO_NUL, description="ask_agency: the question for the agency"
        ),
    ] = ""
    period: Annotated[
        Period | None,
        Meta(description="Approve: narrow to this date range, inside the one allowed"),
    ] = None
    # Billing hook (docs/billing.md): reviewer time, billed per started quarter hour.
    minutes: Annotated[
        int, Meta(ge=0, le=1440, description="Minutes the reviewer spent on this decision")
    ] = 0


class AssignmentIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    assignee: Annotated[
        str,
        Meta(
            max_length=200,
            pattern=NO_NUL,
            description="Who works the request (a staff subject); empty: yourself (claim)",
        ),
    ] = ""


class AssignmentOut(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    assignee: str
    assigned_by: str
    assigned_at: dt.datetime


class DecisionOut(msgspec.Struct, frozen=True, kw_only=True):
    status: Status
    approvals: list[str]
    approvals_required: int


class ClarificationIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=10000, pattern=NO_NUL)]


class WithdrawalIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Note = ""


class VerificationIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    verified: bool
    note: Note = ""


class CallbackIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    number_called: Annotated[str, Meta(min_length=7, max_length=32, pattern=NO_NUL)]
    note: Note = ""


class DocumentOut(msgspec.Struct, frozen=True, kw_only=True):
    document_id: str
    sha256: str
    bytes: int


class AuditEventView(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    at: dt.datetime
    actor: str
    action: str
    detail: dict
    hash: str


class DisclosureView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    request_id: str
    agency_id: str
    categories: list[str]
    targets: list[str]
    authority: str
    record_count: int
    manifest_sha256: str
    disclosed_at: dt.datetime
