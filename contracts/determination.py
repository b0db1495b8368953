"""What the decision engine concludes about a legal process (docs/architecture.md §5 step 3)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import msgspec
from msgspec import Meta

from contracts.enums import DataCategory, Outcome
from contracts.legal_process import Identifier, Period


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
    NOT_HELD = "not_held"
    MISSING_RANGE = "missing_range"
    CALLBACK_UNVERIFIED = "callback_unverified"
    CLOUD_ACT = "cloud_act"
    REDIRECTED_BY_RULE = "redirected_by_rule"  # a pure redirect the policy lets the machine make
    REFUSAL_OVERRIDDEN = "refusal_overridden"  # a person overrode the machine's refusal


class LegalEntity(enum.StrEnum):
    """Which of the provider's legal entities controls an account's records (GDPR Art. 48;
    docs/legal-rules.md)."""

    US = "us"  # the US parent
    EU = "eu"  # the EU subsidiary


class TargetFact(msgspec.Struct, frozen=True, kw_only=True):
    """What the carrier's records say about one normalised target over the requested period."""

    held_in_period: Annotated[
        bool,
        Meta(
            description="The provider held the target (number assigned, account open) in the period"
        ),
    ] = True
    resold: Annotated[
        bool,
        Meta(
            description="Wholesale/reseller number: the provider holds only the reseller's account"
        ),
    ] = False
    reseller_customer: Annotated[
        str, Meta(description="The reseller customer the agency should serve instead")
    ] = ""
    entity: Annotated[
        LegalEntity, Meta(description="Legal entity controlling the target's records")
    ] = LegalEntity.US


class TargetFacts(msgspec.Struct, frozen=True, kw_only=True):
    """Facts about a request's targets, keyed by normalised value (E.164, lower-case email, ...).

    Gathered by an activity from the number-assignment history; a target without an entry
    is unknown and is decided on the process alone.
    """

    targets: dict[str, TargetFact] = {}

    def fact_for(self, target: Identifier) -> TargetFact | None:
        return self.targets.get(target.value)


class Reason(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    message: str
    authority: str = ""


class TargetDecision(msgspec.Struct, frozen=True, kw_only=True):
    target: Identifier
    allowed: bool
    reason: Reason | None = None
    redirect_to: str | None = None
    # Added after the first release: collection reads the target among this entity's customers.
    entity: Annotated[
        LegalEntity,
        Meta(description="Legal entity controlling the target's records, from the target facts"),
    ] = LegalEntity.US


class RefusalDraft(msgspec.Struct, frozen=True, kw_only=True):
    """The machine's draft of a whole refusal (or a redirect a person must confirm): what a
    reviewer confirms or overrides before the request ends (docs/legal-rules.md)."""

    reasons: Annotated[
        list[Reason], Meta(description="Why nothing asked for can be disclosed")
    ] = []
    citations: Annotated[list[str], Meta(description="The authorities the reasons cite")] = []
    response: Annotated[
        str, Meta(description="The answer to the agency, as drafted (no subscriber data)")
    ] = ""
    needs_legal: Annotated[
        bool, Meta(description="Confirming or overriding needs legal (a court order's refusal)")
    ] = False
    overridden_by: Annotated[
        str | None, Meta(description="Who overrode the refusal; None while it stands")
    ] = None
    override_note: str = ""


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
    # Fields below were added after the first release; each has a default.
    redirect_to: Annotated[
        str | None,
        Meta(description="Where the agency should go instead (MLAT, domestication, reseller)"),
    ] = None
    notice_barred_until: Annotated[
        dt.date | None,
        Meta(
            description="Last day a §2705(b) order bars customer notice; notice may follow after it"
        ),
    ] = None
    preserved_categories: Annotated[
        list[DataCategory],
        Meta(description="What a §2703(f) request snapshots (nothing is disclosed)"),
    ] = []
    reimbursable_categories: Annotated[
        list[DataCategory],
        Meta(description="Allowed categories whose costs §2706 lets the provider recover"),
    ] = []
    # Issue 11: no refusal is final without a person.
    refusal: Annotated[
        RefusalDraft | None,
        Meta(description="The drafted refusal a person confirms or overrides"),
    ] = None
    refusal_confirmation_required: Annotated[
        bool,
        Meta(description="The request waits for a person to confirm or override the refusal"),
    ] = False
    redirected_by_rule: Annotated[
        bool,
        Meta(description="A pure redirect the policy lets the machine make; shown for a look"),
    ] = False
