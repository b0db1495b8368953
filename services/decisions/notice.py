"""Whether the customer may be told (docs/architecture.md §5 step 7; 18 U.S.C. §2705(b)):
and if not, why and until when.

``customer_notice_allowed`` answers "may we tell the customer now". While a §2705(b)
order is in force it is False; ``notice_barred_until`` carries the order's last day so
the workflow can notify once it has passed (an order without an end date bars notice
until a court lifts it). Process that discloses nothing (preserve, redirect, reject,
manual) gives no notice from the machine.
"""

from __future__ import annotations

import datetime as dt

from contracts.determination import Disposition, Flag
from services.decisions import authorities as law
from services.decisions.draft import Case, Draft
from services.decisions.scope import CIVIL_SUBPOENA_RULE


def decide_customer_notice(case: Case, draft: Draft) -> None:
    ndo_in_force = _apply_non_disclosure_order(case, draft)
    rule = case.rule
    if rule.notice_bar is not None and draft.disposition in (
        Disposition.PROCEED,
        Disposition.MANUAL,
    ):
        why, authority = rule.notice_bar
        draft.because("notice_barred", why, authority)
    if draft.disposition is not Disposition.PROCEED or rule.notice_bar is not None:
        # Barred for good, not merely delayed: no date after which notice becomes due.
        draft.notice_barred_until = None
        return
    if rule is CIVIL_SUBPOENA_RULE:
        _civil_notice(case, draft, ndo_in_force)
        draft.notice_barred_until = None
        return
    if not case.policy.customer_notice_by_default:
        draft.notice_barred_until = None
    draft.notice_allowed = case.policy.customer_notice_by_default and not ndo_in_force


def _apply_non_disclosure_order(case: Case, draft: Draft) -> bool:
    order = case.process.non_disclosure_order
    if order is None:
        return False
    if order.ends_on is not None and order.ends_on < case.today:
        draft.because(
            "ndo_ended",
            f"the non-disclosure order of {order.authority} ended on {order.ends_on}:"
            " it no longer bars notice",
            law.NON_DISCLOSURE_ORDER,
        )
        return False
    draft.flag(Flag.NDO)
    draft.notice_barred_until = order.ends_on
    if order.ends_on is None:
        until = "until the court lifts it (no end date)"
    else:
        until = f"through {order.ends_on}"
        if order.ends_on < dt.date.max:
            until += f"; notice may follow from {order.ends_on + dt.timedelta(days=1)}"
    draft.because(
        "ndo",
        f"a non-disclosure order of {order.authority} bars notice to the customer {until}",
        law.NON_DISCLOSURE_ORDER,
    )
    return True


def _civil_notice(case: Case, draft: Draft, ndo_in_force: bool) -> None:
    if ndo_in_force:
        # Civil process is answered only after the customer could object; an order barring
        # that notice leaves no safe automatic path.
        draft.legal_review = True
        draft.because(
            "civil_notice_barred",
            "civil process is answered only after customer notice, which an order bars:"
            " legal decides",
            law.POLICY_CIVIL_NOTICE,
        )
        return
    window = case.policy.civil_objection_window_days
    draft.notice_allowed = True
    draft.objection_window_days = window
    draft.because(
        "civil_notice",
        f"notify the customer first and wait {window} days for an objection before producing",
        law.POLICY_CIVIL_NOTICE,
    )
