"""The normative vocabularies (docs/architecture.md §3). Values are wire names: never rename
one."""

from __future__ import annotations

import enum


class ProcessType(enum.StrEnum):
    SUBPOENA = "subpoena"
    GRAND_JURY_SUBPOENA = "grand_jury_subpoena"
    ADMINISTRATIVE_SUBPOENA = "administrative_subpoena"
    COURT_ORDER_2703D = "court_order_2703d"
    SEARCH_WARRANT = "search_warrant"
    PEN_REGISTER_ORDER = "pen_register_order"
    WIRETAP_ORDER = "wiretap_order"
    PRESERVATION_REQUEST = "preservation_request"
    EMERGENCY_REQUEST = "emergency_request"
    NATIONAL_SECURITY_LETTER = "national_security_letter"
    FISA_ORDER = "fisa_order"
    CIVIL_SUBPOENA = "civil_subpoena"
    FOREIGN_REQUEST = "foreign_request"


SUBPOENA_TYPES = frozenset(
    {
        ProcessType.SUBPOENA,
        ProcessType.GRAND_JURY_SUBPOENA,
        ProcessType.ADMINISTRATIVE_SUBPOENA,
    }
)


class DataCategory(enum.StrEnum):
    SUBSCRIBER_INFO = "subscriber_info"
    TOLL_RECORDS = "toll_records"
    SESSION_RECORDS = "session_records"
    DETAIL_RECORDS = "detail_records"
    CONTENT = "content"
    LOCATION = "location"


BASIC_SUBSCRIBER_INFO = frozenset(
    {DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS, DataCategory.SESSION_RECORDS}
)
NON_CONTENT = BASIC_SUBSCRIBER_INFO | {DataCategory.DETAIL_RECORDS}


class IdentifierKind(enum.StrEnum):
    TELEPHONE_NUMBER = "telephone_number"
    ACCOUNT_ID = "account_id"
    IP_ADDRESS = "ip_address"
    EMAIL = "email"


class IssuerKind(enum.StrEnum):
    FEDERAL = "federal"
    STATE = "state"
    LOCAL = "local"
    TRIBAL = "tribal"
    FOREIGN = "foreign"
    PRIVATE_PARTY = "private_party"


class Outcome(enum.StrEnum):
    PRODUCED = "produced"
    PARTIALLY_PRODUCED = "partially_produced"
    NO_DATA = "no_data"
    REJECTED = "rejected"
    REDIRECTED = "redirected"
    WITHDRAWN = "withdrawn"
    PRESERVED = "preserved"


class Status(enum.StrEnum):
    RECEIVED = "received"
    VERIFYING = "verifying"
    IN_REVIEW = "in_review"
    AWAITING_AGENCY = "awaiting_agency"
    APPROVED = "approved"
    COLLECTING = "collecting"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    CLOSED = "closed"
    REJECTED = "rejected"
    REDIRECTED = "redirected"
    WITHDRAWN = "withdrawn"
    PRESERVED = "preserved"
    EXTENDED = "extended"
    RELEASED = "released"


TERMINAL_STATUSES = frozenset(
    {Status.CLOSED, Status.REJECTED, Status.REDIRECTED, Status.WITHDRAWN, Status.RELEASED}
)


class Role(enum.StrEnum):
    AGENCY = "agency"
    REVIEWER = "reviewer"
    LEGAL = "legal"
    BILLING = "billing"
    AUDITOR = "auditor"
    ADMIN = "admin"
    # Billing hook (docs/billing.md): a platform customer, token with ``account_id``; sees
    # only its own customer-visible invoices.
    CUSTOMER = "customer"


# The one list of who may decide a request (approve, reject, ask, escalate) and who on the
# staff side may read one; the workflow's validators and the API's guards both use these.
DECIDING_ROLES = frozenset({Role.REVIEWER, Role.LEGAL})
CASE_READING_ROLES = frozenset({Role.REVIEWER, Role.LEGAL, Role.AUDITOR, Role.ADMIN})


class DecisionAction(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ASK_AGENCY = "ask_agency"
    ESCALATE_TO_LEGAL = "escalate_to_legal"
    # A refusal the machine drafted (issue 11): a person confirms it (the request ends
    # rejected) or overrides it (audited; back into review with the overriding scope).
    CONFIRM_REFUSAL = "confirm_refusal"
    OVERRIDE_REFUSAL = "override_refusal"


class Awaiting(enum.StrEnum):
    """Whose move it is while a request waits (``CaseState.awaiting``)."""

    NONE = ""  # nobody: the workflow is working, or the request is finished
    REVIEW = "review"  # a reviewer's (or legal's) decision
    VERIFICATION = "verification"  # staff confirming the requester or recording the call-back
    AGENCY = "agency"  # the agency's answer to a clarification
    REFUSAL = "refusal_confirmation"  # a person confirming or overriding a drafted refusal


class RejectionReason(enum.StrEnum):
    INVALID_PROCESS = "invalid_process"
    WRONG_PROVIDER = "wrong_provider"
    INSUFFICIENT_PROCESS = "insufficient_process"
    OVERBROAD = "overbroad"
    UNVERIFIED_REQUESTER = "unverified_requester"
    EXPIRED = "expired"
    LEGAL_OBJECTION = "legal_objection"
    OTHER = "other"
