"""A search warrant's execution window (Fed. R. Crim. P. 41(e)(2)(A)(i))."""

from __future__ import annotations

import datetime as dt

from contracts.determination import Disposition, Flag
from contracts.enums import IssuerKind, Outcome, ProcessType
from services.decisions import authorities as law
from services.decisions.draft import Case, Draft


def check_execution_window(case: Case, draft: Draft) -> None:
    """A warrant must be executed (served on the provider) within the window after issue.

    Service is execution for a warrant on a provider (18 U.S.C. §2703(g): no officer need
    be present), so the test is the day we received it, not today: a warrant served in
    time stays good while we produce. Federal warrants out of time are refused outright;
    state warrants follow state rules that may differ, so legal decides.
    """
    process = case.process
    if draft.ended or process.process_type is not ProcessType.SEARCH_WARRANT:
        return
    window = case.policy.warrant_execution_days
    last_day = process.issued_on + dt.timedelta(days=window)
    served_on = process.received_at.date()
    if served_on <= last_day:
        return
    draft.flag(Flag.WARRANT_STALE)
    message = (
        f"the warrant was issued on {process.issued_on} and served on {served_on},"
        f" after the {window}-day window for execution closed on {last_day}"
    )
    if process.issuer_kind is IssuerKind.FEDERAL:
        reason = draft.because("warrant_expired", message, law.WARRANT_EXECUTION)
        draft.end(Disposition.REJECT, reason, outcome=Outcome.REJECTED)
        return
    draft.legal_review = True
    draft.because(
        "warrant_window_state",
        message + ": state law sets the window for a state warrant, so legal decides",
        law.WARRANT_EXECUTION,
    )
