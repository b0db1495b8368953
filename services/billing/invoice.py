"""``build_invoice(facts, rate_card) -> Invoice``: what one request costs each customer.

Pure: no I/O, no clock. The rate-card version in force on the request's service date
prices it (docs/billing.md). Items: a handling fee per request, a fee per target, per
started 1,000 records produced, an expedite surcharge for emergencies, per 90-day
preservation period and per extension, reviewer time per started quarter hour; the total
is capped per request (a negative ``cap_adjustment`` line). The request's lines are then
split across the customers that held its targets (``services.billing.split``), each
customer priced in its legal entity's currency.

Lines say what was charged (counts, the request reference), never the targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from contracts.billing import (
    BilledAccount,
    ChargeFacts,
    ChargeItem,
    CustomerInvoice,
    Invoice,
    InvoiceLine,
)
from contracts.determination import LegalEntity
from contracts.enums import Outcome, ProcessType
from services.billing.rate_card import RateCard, Rates
from services.billing.split import allocate, started, target_weights

# Process that is never charged to the customer: national-security process is known to the
# customer only in bands (and mostly not at all), so no invoice may point at it.
NATIONAL_SECURITY_PROCESS = frozenset(
    {ProcessType.NATIONAL_SECURITY_LETTER, ProcessType.FISA_ORDER}
)
UNCHARGED_OUTCOMES = {
    Outcome.REJECTED: "rejected: nothing was produced",
    Outcome.REDIRECTED: "redirected elsewhere: nothing was produced",
    Outcome.WITHDRAWN: "withdrawn before collection",
}
RECORDS_BLOCK = 1000
QUARTER_HOUR_MINUTES = 15


def zero_charge_reason(facts: ChargeFacts, card: RateCard) -> str:
    """Why this request is not charged at all, or "" when it is."""
    if facts.process_type in NATIONAL_SECURITY_PROCESS:
        return "national-security process is not charged"
    if facts.outcome in UNCHARGED_OUTCOMES:
        return UNCHARGED_OUTCOMES[facts.outcome]
    if facts.outcome is Outcome.NO_DATA and not card.charge_no_data:
        return "no records held for the approved scope (the rate card charges no_data: off)"
    if not any(t.holders for t in facts.targets):
        return "no customer account held the targets during the period"
    return ""


def request_lines(facts: ChargeFacts, rates: Rates) -> list[tuple[ChargeItem, str, int, int]]:
    """The whole request's lines as (item, description, quantity, unit amount), before the
    cap and the split; lines of quantity 0 are left out."""
    ref = facts.request_id
    records_blocks = started(facts.records_produced, RECORDS_BLOCK)
    quarters = started(facts.reviewer_minutes, QUARTER_HOUR_MINUTES)
    candidates = [
        (ChargeItem.PER_REQUEST, f"Handling of legal process {ref}", 1, rates.per_request),
        (
            ChargeItem.PER_TARGET,
            f"Identifiers searched ({len(facts.targets)})",
            len(facts.targets),
            rates.per_target,
        ),
        (
            ChargeItem.RECORDS,
            f"Records produced: {facts.records_produced:,} (per started 1,000)",
            records_blocks,
            rates.per_thousand_records,
        ),
        (
            ChargeItem.EMERGENCY_EXPEDITE,
            "Emergency expedite",
            1 if facts.emergency else 0,
            rates.emergency_expedite,
        ),
        (
            ChargeItem.PRESERVATION_PERIOD,
            "Preservation, per 90-day period",
            facts.preservation_periods,
            rates.preservation_period,
        ),
        (
            ChargeItem.PRESERVATION_EXTENSION,
            "Preservation extension, per 90 days",
            facts.preservation_extensions,
            rates.preservation_extension,
        ),
        (
            ChargeItem.REVIEWER_TIME,
            f"Review time: {facts.reviewer_minutes} min (per started quarter hour)",
            quarters,
            rates.reviewer_quarter_hour,
        ),
    ]
    return [c for c in candidates if c[2] > 0]


def build_invoice(facts: ChargeFacts, rate_card: RateCard) -> Invoice:
    reason = zero_charge_reason(facts, rate_card)
    if reason:
        return Invoice(
            request_id=facts.request_id, service_date=facts.service_date, zero_charge_reason=reason
        )
    version = rate_card.version_on(facts.service_date)
    accounts = _accounts(facts)
    weights = target_weights([[h.account_id for h in t.holders] for t in facts.targets])
    of_targets = len(facts.targets)
    by_currency: dict[str, list[BilledAccount]] = {}
    for account in accounts.values():
        by_currency.setdefault(rate_card.currency_of(account.legal_entity), []).append(account)

    parts: list[CustomerInvoice] = []
    for currency, members in sorted(by_currency.items()):
        rates = version.rates[currency]
        lines = request_lines(facts, rates)
        amounts = [quantity * unit for _, _, quantity, unit in lines]
        full = sum(amounts)
        cap = rates.request_cap
        if cap and full > cap:
            lines.append((ChargeItem.CAP_ADJUSTMENT, f"Capped at {cap} per request", 1, cap - full))
            amounts.append(cap - full)
        # The remainder cents of every line go to the first customer billed in this currency.
        first = min(m.account_id for m in members)
        shares = [allocate(amount, weights, first) for amount in amounts]
        for member in sorted(members, key=lambda m: m.account_id):
            weight = weights[member.account_id]
            share = _share_text(weight * 1, of_targets)
            customer_lines = [
                InvoiceLine(
                    item=item,
                    description=description,
                    quantity=quantity,
                    unit_amount=unit,
                    request_amount=quantity * unit,
                    share=share,
                    amount=split[member.account_id],
                )
                for (item, description, quantity, unit), split in zip(lines, shares, strict=True)
            ]
            parts.append(
                CustomerInvoice(
                    account_id=member.account_id,
                    legal_entity=member.legal_entity,
                    currency=currency,
                    share=share,
                    lines=customer_lines,
                    total=sum(line.amount for line in customer_lines),
                )
            )
    parts.sort(key=lambda p: p.account_id)
    return Invoice(
        request_id=facts.request_id,
        service_date=facts.service_date,
        rate_card_version=version.effective_from,
        customers=parts,
    )


def _accounts(facts: ChargeFacts) -> dict[str, BilledAccount]:
    """Every holder once; an account seen as EU anywhere bills as EU (its records are)."""
    found: dict[str, BilledAccount] = {}
    for target in facts.targets:
        for holder in target.holders:
            known = found.get(holder.account_id)
            if known is None or holder.legal_entity is LegalEntity.EU:
                found[holder.account_id] = holder
    return dict(sorted(found.items()))


def _share_text(weight: Fraction, of_targets: int) -> str:
    share = Fraction(weight) / of_targets
    return (
        str(share.numerator) if share.denominator == 1 else f"{share.numerator}/{share.denominator}"
    )


def invoice_total(parts: Sequence[CustomerInvoice], currency: str) -> int:
    return sum(p.total for p in parts if p.currency == currency)
