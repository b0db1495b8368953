"""When a charge may become customer-visible (18 U.S.C. §2705(b); docs/billing.md "Gags").

An invoice is customer-visible exactly when customer notice is allowed: an invoice, a line,
a billing event or a mail would tell the customer that process concerning it exists. So
the charge is held while notice is barred:

- a §2705(b) order with an end date: until the day after its last day (a durable timer);
- an order without an end date, an emergency request (notice barred by rule) or
  national-security process: until legal releases it (``POST …/billing-release``);
- notice otherwise not allowed (policy): likewise until released.
"""

from __future__ import annotations

import datetime as dt

from contracts.billing import ChargeHold, HoldKind
from contracts.determination import Determination
from contracts.enums import ProcessType
from contracts.legal_process import LegalProcess
from services.billing.invoice import NATIONAL_SECURITY_PROCESS


def charge_hold(process: LegalProcess, determination: Determination | None) -> ChargeHold:
    if process.process_type in NATIONAL_SECURITY_PROCESS:
        return ChargeHold(kind=HoldKind.NATIONAL_SECURITY)
    order = process.non_disclosure_order
    barred_until = determination.notice_barred_until if determination else None
    if determination is not None and determination.customer_notice_allowed:
        return ChargeHold()
    if barred_until is not None:
        return ChargeHold(kind=HoldKind.NDO_UNTIL, until=day_after(barred_until))
    if order is not None and order.ends_on is None:
        return ChargeHold(kind=HoldKind.NDO_INDEFINITE)
    if process.process_type is ProcessType.EMERGENCY_REQUEST:
        return ChargeHold(kind=HoldKind.EMERGENCY)
    if order is not None and order.ends_on is not None:
        # An order that ended before the determination was made no longer bars anything;
        # reaching here means notice is barred for another reason.
        return ChargeHold(kind=HoldKind.NOTICE_BARRED)
    return ChargeHold(kind=HoldKind.NOTICE_BARRED)


def day_after(day: dt.date) -> dt.datetime:
    """00:00 UTC on the day after ``day``: the first instant the order no longer covers."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
