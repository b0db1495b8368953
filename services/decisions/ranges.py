"""Date-range sanity (docs/legal-rules.md): end after start, nothing in the future, wide
ranges flagged.

An inverted range is refused rather than corrected: the dates are part of the signed
process, and the provider cannot rewrite them from an email, so the agency needs amended
process. A range that ends in the future is clamped to today, because stored-records
process reaches only what exists; one that starts in the future asks for prospective
collection, which needs a pen register or wiretap order (or, in an emergency, §3125).
"""

from __future__ import annotations

from contracts.determination import Disposition, Flag
from contracts.enums import DataCategory, Outcome, ProcessType
from contracts.legal_process import Period
from services.decisions import authorities as law
from services.decisions.draft import Case, Draft


def check_period(case: Case, draft: Draft) -> None:
    period = case.process.period
    draft.period = period
    if draft.ended or not case.rule.retrospective:
        return
    if period is None:
        _check_missing(case, draft)
        return
    if period.end < period.start:
        draft.flag(Flag.INVERTED_RANGE)
        reason = draft.because(
            "inverted_range",
            f"the date range ends ({period.end}) before it starts ({period.start}):"
            " amended process is needed",
            law.POLICY_DATE_RANGE,
        )
        draft.end(Disposition.REJECT, reason, outcome=Outcome.REJECTED)
        return
    if period.start > case.today:
        _prospective(case, draft, period)
        return
    if period.end > case.today:
        draft.flag(Flag.FUTURE_RANGE)
        draft.because(
            "future_range_clamped",
            f"the date range ends in the future ({period.end}): clamped to {case.today},"
            " since only records that already exist can be produced",
            law.STORED_RECORDS_ONLY,
        )
        period = Period(start=period.start, end=case.today)
        draft.period = period
    limit = case.policy.overbreadth_limit_days
    if period.days > limit:
        draft.flag(Flag.OVERBROAD_RANGE)
        draft.because(
            "overbroad_range",
            f"the date range spans {period.days} days, more than the {limit}-day limit:"
            " a person confirms it is justified or asks the agency to narrow it",
            law.POLICY_OVERBREADTH,
        )


def _check_missing(case: Case, draft: Draft) -> None:
    # Subscriber information alone describes the account as it stands; anything else is a
    # record of events and needs a range, or collection would be unbounded.
    if draft.disposition is not Disposition.PROCEED:
        return
    if set(case.process.categories) <= {DataCategory.SUBSCRIBER_INFO}:
        return
    draft.flag(Flag.MISSING_RANGE)
    draft.because(
        "missing_range",
        "records of events were asked for without a date range: ask the agency for one",
        law.POLICY_DATE_RANGE,
    )


def _prospective(case: Case, draft: Draft, period: Period) -> None:
    draft.flag(Flag.FUTURE_RANGE, Flag.PROSPECTIVE)
    if case.process.process_type is ProcessType.EMERGENCY_REQUEST:
        draft.disposition = Disposition.MANUAL
        draft.legal_review = True
        draft.period = None
        draft.because(
            "prospective_emergency",
            f"the emergency asks for records from {period.start}, after today: real-time"
            " collection in an emergency is legal's, under the emergency pen register provision",
            law.EMERGENCY_PEN_REGISTER,
        )
        return
    reason = draft.because(
        "prospective_range",
        f"the date range starts in the future ({period.start}): this process reaches stored"
        " records only; prospective collection needs a pen register or wiretap order",
        law.STORED_RECORDS_ONLY,
    )
    draft.end(Disposition.REJECT, reason, outcome=Outcome.REJECTED)
