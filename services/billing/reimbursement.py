"""§2706 cost reimbursement from the agency (18 U.S.C. §2706; docs/billing.md): a separate
invoice, at the same rate card's USD rates, for the categories the decision engine found
reimbursable (``Determination.reimbursable_categories``: telephone toll records and
listings are exempt unless unusually voluminous; ``services/decisions/reimbursement.py``).

Pure. The part is billed to the pseudo-account ``agency:<agency id>`` in the ledger, so it
is posted, stored, exported and audited like a customer invoice, and no customer can see it.
"""

from __future__ import annotations

from collections.abc import Sequence

from contracts.billing import ChargeFacts, ChargeItem, CustomerInvoice, InvoiceLine
from contracts.determination import LegalEntity
from contracts.enums import DataCategory
from services.billing.invoice import request_lines
from services.billing.rate_card import RateCard

AGENCY_PREFIX = "agency:"
REIMBURSEMENT_CURRENCY = "USD"  # §2706 is US law: the agency pays the US parent


def agency_account(agency_id: str) -> str:
    return f"{AGENCY_PREFIX}{agency_id}"


def is_agency_account(account_id: str) -> bool:
    return account_id.startswith(AGENCY_PREFIX)


def build_reimbursement(
    facts: ChargeFacts,
    reimbursable: Sequence[DataCategory],
    agency_id: str,
    rate_card: RateCard,
) -> CustomerInvoice | None:
    """The agency's invoice, or None when nothing is reimbursable. Only the work of
    searching for, assembling and producing the reimbursable categories is charged: the
    handling fee, the identifiers searched, the records and the review time; never the
    customer-side items (expedite, preservation)."""
    if not reimbursable:
        return None
    rates = rate_card.version_on(facts.service_date).rates[REIMBURSEMENT_CURRENCY]
    costed = {
        ChargeItem.PER_REQUEST,
        ChargeItem.PER_TARGET,
        ChargeItem.RECORDS,
        ChargeItem.REVIEWER_TIME,
    }
    categories = ", ".join(sorted(c.value for c in reimbursable))
    lines = [
        InvoiceLine(
            item=item,
            description=f"{description} (§2706: {categories})"
            if item is ChargeItem.PER_REQUEST
            else description,
            quantity=quantity,
            unit_amount=unit,
            request_amount=quantity * unit,
            amount=quantity * unit,
        )
        for item, description, quantity, unit in request_lines(facts, rates)
        if item in costed
    ]
    total = sum(line.amount for line in lines)
    if rates.request_cap and total > rates.request_cap:
        adjustment = rates.request_cap - total
        lines.append(
            InvoiceLine(
                item=ChargeItem.CAP_ADJUSTMENT,
                description=f"Capped at {rates.request_cap} per request",
                quantity=1,
                unit_amount=adjustment,
                request_amount=adjustment,
                amount=adjustment,
            )
        )
        total = rates.request_cap
    return CustomerInvoice(
        account_id=agency_account(agency_id),
        legal_entity=LegalEntity.US,
        currency=REIMBURSEMENT_CURRENCY,
        share="1",
        lines=lines,
        total=total,
    )
