"""Cost recovery (docs/billing.md, docs/architecture.md §9): the facts a charge is computed
from, the invoice the pure maths returns, the billing workflow's payloads, the billing
event a billing system imports, and the billing API's bodies.

Amounts are integer minor units (cents) of the invoice's currency. Workflow payloads carry
account ids only through the encrypted payload codec; the request id is their reference.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import msgspec
from msgspec import Meta

from contracts.determination import LegalEntity
from contracts.enums import Outcome, ProcessType

Cents = Annotated[int, Meta(description="Integer minor units (cents) of the currency")]
AccountId = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Note = Annotated[str, Meta(max_length=2000, pattern=r"^[^\x00]*$")]


class ChargeItem(enum.StrEnum):
    """What a line charges for; one rate-card entry each (``request_cap`` bounds the total)."""

    PER_REQUEST = "per_request"
    PER_TARGET = "per_target"
    RECORDS = "records"  # per started 1,000 records produced
    EMERGENCY_EXPEDITE = "emergency_expedite"
    PRESERVATION_PERIOD = "preservation_period"  # per 90-day period
    PRESERVATION_EXTENSION = "preservation_extension"
    REVIEWER_TIME = "reviewer_time"  # per started quarter hour
    CAP_ADJUSTMENT = "cap_adjustment"  # negative: brings the request down to the cap


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"  # posted and customer-visible
    DISPUTED = "disputed"  # a dispute is pending
    CREDITED = "credited"  # a credit note cancelled part or all of it


class HoldKind(enum.StrEnum):
    """Why a charge is not yet customer-visible (18 U.S.C. §2705(b); docs/billing.md)."""

    NONE = "none"
    NDO_UNTIL = "ndo_until"  # a §2705(b) order with an end date: posted the day after
    NDO_INDEFINITE = "ndo_indefinite"  # no end date: until legal releases it
    EMERGENCY = "emergency"  # emergency request whose notice is barred: until released
    NATIONAL_SECURITY = "national_security"  # NSL/FISA: until released
    NOTICE_BARRED = "notice_barred"  # notice otherwise not allowed (policy): until released


class DisputeStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class DisputeAction(enum.StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"


# -- facts and the invoice (pure maths in services/billing/invoice.py) ----------------------


class BilledAccount(msgspec.Struct, frozen=True, kw_only=True):
    """An account that held a target during the requested period (a reseller's own account
    for a resold number: the provider holds nothing below it)."""

    account_id: str
    legal_entity: LegalEntity = LegalEntity.US
    reseller: bool = False


class TargetHolders(msgspec.Struct, frozen=True, kw_only=True):
    """Who held one target in the period; ``target_ref`` is positional ("target 2"), never
    the identifier itself."""

    target_ref: str
    holders: list[BilledAccount] = []


class ChargeFacts(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    process_type: ProcessType
    service_date: Annotated[
        dt.date, Meta(description="The day the request was received: selects the rate card")
    ]
    outcome: Outcome
    emergency: bool = False
    targets: list[TargetHolders] = []
    records_produced: int = 0
    preservation_periods: int = 0
    preservation_extensions: int = 0
    reviewer_minutes: int = 0


class InvoiceLine(msgspec.Struct, frozen=True, kw_only=True):
    item: ChargeItem
    description: str
    quantity: int
    unit_amount: Cents
    request_amount: Annotated[
        int, Meta(description="quantity × unit amount for the whole request (cents)")
    ]
    share: Annotated[
        str, Meta(description="This customer's share of the request's targets, e.g. 1/2")
    ] = "1"
    amount: Annotated[int, Meta(description="This customer's amount (cents)")]


class CustomerInvoice(msgspec.Struct, frozen=True, kw_only=True):
    """One customer's part of a request's charge: what the ledger posts as an invoice."""

    account_id: str
    legal_entity: LegalEntity
    currency: Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
    share: str
    lines: list[InvoiceLine] = []
    total: Cents = 0


class Invoice(msgspec.Struct, frozen=True, kw_only=True):
    """What ``build_invoice`` returns for one request: a part per customer (none when the
    request is not charged, with the reason)."""

    request_id: str
    service_date: dt.date
    rate_card_version: dt.date | None = None
    customers: list[CustomerInvoice] = []
    zero_charge_reason: str = ""


# -- the billing workflow ---------------------------------------------------------------


class BillingInput(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str


class ChargeHold(msgspec.Struct, frozen=True, kw_only=True):
    kind: HoldKind = HoldKind.NONE
    until: Annotated[
        dt.datetime | None,
        Meta(description="When a dated hold ends (the day after the order's last day)"),
    ] = None

    @property
    def needs_release(self) -> bool:
        return self.kind not in (HoldKind.NONE, HoldKind.NDO_UNTIL)


class PreparedCharge(msgspec.Struct, frozen=True, kw_only=True):
    """What ``prepare_charge`` returns: references and counts, and the hold."""

    request_id: str
    hold: ChargeHold = ChargeHold()
    customers: int = 0
    zero_charge_reason: str = ""


class BillingRelease(msgspec.Struct, frozen=True, kw_only=True):
    """Legal releases a held charge (the order was lifted, the bar no longer applies)."""

    released_by: str
    releaser_roles: list[str] = []
    reason: str = ""


class PostingRequest(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    posted_at: Annotated[
        dt.datetime | None,
        Meta(description="The workflow's time of posting: the invoice date, same on a retry"),
    ] = None
    released_by: str = ""
    release_reason: str = ""


class PostingReceipt(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    invoice_ids: list[str] = []
    event_keys: list[str] = []


class BillingState(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    stage: Annotated[str, Meta(description="preparing, held, posting, posted")] = "preparing"
    hold: ChargeHold = ChargeHold()
    released_by: str = ""
    invoice_ids: list[str] = []


# -- the billing event (JSON Lines in S3 under billing-events/YYYY/MM/DD/) ---------------


class BillingEventLine(msgspec.Struct, frozen=True, kw_only=True):
    item: ChargeItem
    description: str
    quantity: int
    unit_amount: int
    amount: int


class BillingEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One line of ``billing-events/YYYY/MM/DD/<document id>.jsonl``: an invoice or a credit
    note as a billing system imports it. ``event_id`` is stable: re-exports overwrite."""

    event_id: str
    kind: Annotated[str, Meta(description="invoice or credit_note")]
    document_id: str
    invoice_id: str
    request_reference: str
    account_id: str
    legal_entity: LegalEntity
    currency: str
    total: int
    issued_on: dt.date
    version: int = 1
    lines: list[BillingEventLine] = []
    pdf_key: str = ""
    pdf_sha256: str = ""
    reason: str = ""


# -- the billing API ----------------------------------------------------------------------


class InvoiceView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    request_reference: str
    account_id: str
    legal_entity: LegalEntity
    currency: str
    status: InvoiceStatus
    issued_on: dt.date
    dispute_until: dt.date
    total: int
    credited: int = 0
    version: int = 1
    lines: list[InvoiceLine] = []
    pdf_sha256: str = ""


class InvoicePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[InvoiceView]
    next_cursor: str | None = None


class DisputeIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=2000, pattern=r"^[^\x00]*\S[^\x00]*$")]
    amount: (
        Annotated[int, Meta(ge=1, description="Cents disputed; the whole invoice when absent")]
        | None
    ) = None


class DisputeDecisionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    action: DisputeAction
    reason: Note = ""
    amount: (
        Annotated[int, Meta(ge=1, description="Cents credited; the disputed amount if absent")]
        | None
    ) = None


class DisputeView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    invoice_id: str
    account_id: str
    status: DisputeStatus
    reason: str
    amount: int
    opened_at: dt.datetime
    decided_by: str = ""
    decision_reason: str = ""
    credit_note_id: str = ""


class DisputePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DisputeView]


class CreditNoteIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A correcting credit note issued by billing staff (e.g. billed to the wrong account)."""

    reason: Annotated[str, Meta(min_length=1, max_length=2000, pattern=r"^[^\x00]*\S[^\x00]*$")]
    amount: Annotated[int, Meta(ge=1, description="Cents; the open balance if absent")] | None = (
        None
    )


class CreditNoteView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    invoice_id: str
    account_id: str
    currency: str
    amount: int
    reason: str
    issued_on: dt.date
    issued_by: str


class BillingReleaseIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=2000, pattern=r"^[^\x00]*\S[^\x00]*$")]


class BillingReleaseOut(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    stage: str
    released_by: str


class CustomerMonthTotal(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    month: Annotated[str, Meta(description="YYYY-MM of the invoice date")]
    currency: str
    invoices: int
    invoiced: int
    credited: int


class BillingSummary(msgspec.Struct, frozen=True, kw_only=True):
    """Totals per customer and month, and how many charges are held (a count, no details)."""

    totals: list[CustomerMonthTotal] = []
    held_count: int = 0


class ReimbursementLine(msgspec.Struct, frozen=True, kw_only=True):
    description: str
    quantity: int
    unit_amount: int
    amount: int


class ReimbursementInvoice(msgspec.Struct, frozen=True, kw_only=True):
    """A §2706 invoice to the agency for the reimbursable categories (separate from the
    customer's cost recovery)."""

    request_id: str
    agency_id: str
    currency: str = "USD"
    categories: list[str] = []
    lines: list[ReimbursementLine] = []
    total: int = 0
    reason: str = ""
