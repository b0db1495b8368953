"""The working state of one determination: the facts it starts from and what the rules conclude.

Each rule reads a ``Case`` (immutable) and writes to a ``Draft``; ``determine`` freezes the
draft into a ``contracts.determination.Determination``. Lists keep insertion order and
skip repeats, so the same input always yields the same determination (workflow replay
depends on that).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from contracts.determination import (
    Determination,
    Disposition,
    Flag,
    Reason,
    RefusalDraft,
    TargetDecision,
    TargetFacts,
)
from contracts.enums import DataCategory, Outcome
from contracts.legal_process import LegalProcess, Period

if TYPE_CHECKING:
    from services.decisions.policy import Policy
    from services.decisions.scope import ProcessRule


@dataclass(frozen=True, slots=True)
class Case:
    process: LegalProcess
    policy: Policy
    today: dt.date
    facts: TargetFacts
    rule: ProcessRule  # the row of the process table that governs, after jurisdiction


@dataclass(slots=True)
class Draft:
    requested: list[DataCategory] = field(default_factory=list)
    disposition: Disposition = Disposition.PROCEED
    allowed: list[DataCategory] = field(default_factory=list)
    denied: list[DataCategory] = field(default_factory=list)
    period: Period | None = None
    targets: list[TargetDecision] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    legal_review: bool = False
    approvals: int = 1
    notice_allowed: bool = False
    objection_window_days: int = 0
    terminal_outcome: Outcome | None = None
    redirect_to: str | None = None
    notice_barred_until: dt.date | None = None
    preserved: list[DataCategory] = field(default_factory=list)
    reimbursable: list[DataCategory] = field(default_factory=list)
    human_review: bool = True
    ending_reason: Reason | None = None
    refusal: RefusalDraft | None = None
    refusal_confirmation_required: bool = False
    redirected_by_rule: bool = False

    @property
    def ended(self) -> bool:
        """The request will not proceed to collection (refused, redirected or handed to legal)."""
        return self.disposition in (Disposition.REDIRECT, Disposition.REJECT)

    def flag(self, *flags: Flag) -> None:
        for item in flags:
            if item not in self.flags:
                self.flags.append(item)

    def because(self, code: str, message: str, authority: str) -> Reason:
        reason = Reason(code=code, message=message, authority=authority)
        if reason not in self.reasons:
            self.reasons.append(reason)
        return reason

    def end(
        self,
        disposition: Disposition,
        reason: Reason,
        *,
        outcome: Outcome | None,
        redirect_to: str | None = None,
        refuse_categories: bool = True,
    ) -> None:
        """Refuse or redirect the whole request; ``outcome`` None leaves the last word to a person.

        ``refuse_categories`` False when the process was sound but its targets are not ours.
        """
        self.disposition = disposition
        self.allowed = []
        if refuse_categories:
            self.denied = list(self.requested)
        self.terminal_outcome = outcome
        self.redirect_to = redirect_to
        self.ending_reason = reason
        if reason not in self.reasons:
            self.reasons.append(reason)

    def freeze(self) -> Determination:
        return Determination(
            disposition=self.disposition,
            allowed_categories=list(self.allowed),
            denied_categories=list(self.denied),
            period=self.period,
            targets=list(self.targets),
            flags=list(self.flags),
            reasons=list(self.reasons),
            human_review_required=self.human_review,
            legal_review_required=self.legal_review,
            approvals_required=self.approvals,
            customer_notice_allowed=self.notice_allowed,
            objection_window_days=self.objection_window_days,
            terminal_outcome=self.terminal_outcome,
            redirect_to=self.redirect_to,
            notice_barred_until=self.notice_barred_until,
            preserved_categories=list(self.preserved),
            reimbursable_categories=list(self.reimbursable),
            refusal=self.refusal,
            refusal_confirmation_required=self.refusal_confirmation_required,
            redirected_by_rule=self.redirected_by_rule,
        )
