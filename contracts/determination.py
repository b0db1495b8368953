"""What the decision engine concludes about a legal process (DESIGN §5 step 2, §6)."""

from __future__ import annotations

import enum

import msgspec

from contracts.enums import DataCategory, Outcome
from contracts.process import Identifier, Period


class Disposition(enum.StrEnum):
    """Where the machine sends the request next."""

    PROCEED = "proceed"  # collect (after any human review) and produce
    PRESERVE = "preserve"  # §2703(f): snapshot, disclose nothing
    REDIRECT = "redirect"  # MLAT / domestication / reseller: outcome `redirected`
    REJECT = "reject"  # the process cannot compel anything from this provider
    MANUAL = "manual"  # prospective or national-security process: legal handles it by hand


class Flag(enum.StrEnum):
    NARROWED = "narrowed"
    OVERBROAD_RANGE = "overbroad_range"
    FUTURE_RANGE = "future_range"
    INVERTED_RANGE = "inverted_range"
    WARRANT_STALE = "warrant_stale"
    OUT_OF_STATE = "out_of_state"
    FOREIGN = "foreign"
    EU_DATA = "eu_data"
    NDO = "ndo"
    EMERGENCY = "emergency"
    CONTENT = "content"
    LOCATION = "location"
    NATIONAL_SECURITY = "national_security"
    PROSPECTIVE = "prospective"
    CIVIL = "civil"
    RESELLER = "reseller"
    UNVERIFIED_REQUESTER = "unverified_requester"
    DUPLICATE = "duplicate"
    REIMBURSEMENT = "reimbursement"


class Reason(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    message: str
    authority: str = ""


class TargetDecision(msgspec.Struct, frozen=True, kw_only=True):
    target: Identifier
    allowed: bool
    reason: Reason | None = None
    redirect_to: str | None = None


class Determination(msgspec.Struct, frozen=True, kw_only=True):
    disposition: Disposition
    allowed_categories: list[DataCategory] = []
    denied_categories: list[DataCategory] = []
    period: Period | None = None
    targets: list[TargetDecision] = []
    flags: list[Flag] = []
    reasons: list[Reason] = []
    human_review_required: bool = True
    legal_review_required: bool = False
    approvals_required: int = 1
    customer_notice_allowed: bool = False
    objection_window_days: int = 0
    terminal_outcome: Outcome | None = None
