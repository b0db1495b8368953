"""Where a request goes once the machine has determined it, once people have reviewed it
and once its records are collected (docs/architecture.md §5 steps 3-5, 8).

Each function names the next step, or the ``Finish`` that ends the request with its status
and outcome. The rules:

- after assessment: a redirect the policy lets the machine make (``terminal_outcome``)
  ends at once; a whole refusal the machine drafted waits for a person to confirm or
  override it (``refusal_confirmation_required``, issue 11); a preservation is preserved;
  anything a person must see waits for review (manual
  process always does); the policy's lowest-risk class is approved by the machine;
- after review: a rejection ends as rejected with the reviewer's reason; manual process is
  executed by legal by hand; an approved redirect or refusal is thereby confirmed (nothing
  is collected without a ``proceed`` determination); everything else is produced;
- after collection: nothing held for the approved scope closes as ``no_data``; otherwise
  the production is delivered, ``partially_produced`` when any target, category or
  target's records were left out, ``produced`` when none was;
- customer notice of a production: when the determination allows it now or once a
  §2705(b) order with an end date lapses; civil process tells the customer before
  anything is collected (the objection window), every other process after delivery.
"""

from __future__ import annotations

import enum

import msgspec

from contracts.collection import CollectionResult
from contracts.determination import Determination, Disposition
from contracts.enums import Outcome, Status
from contracts.workflow import ReviewDecision


class Finish(msgspec.Struct, frozen=True, kw_only=True):
    """End the request: the terminal status, the outcome reported, the audit detail."""

    status: Status
    outcome: Outcome
    detail: str
    actor: str | None = None  # who ended it, when a person did; None: the system


class Next(enum.StrEnum):
    PRESERVE = "preserve"  # §2703(f) snapshot, then the preservation clock
    CONFIRM_REFUSAL = "confirm_refusal"  # a person confirms or overrides the drafted refusal
    REVIEW = "review"  # wait for people
    AUTO_APPROVE = "auto_approve"  # the policy approves the lowest-risk class
    PRODUCE = "produce"  # collect the approved scope
    DELIVER = "deliver"  # package and deliver what was collected


_SETTLED_BY_RULE = {Disposition.REDIRECT: Status.REDIRECTED, Disposition.REJECT: Status.REJECTED}


def after_assessment(
    determination: Determination, *, confirm_refusals: bool = False
) -> Finish | Next:
    """``confirm_refusals``: the workflow asks people to confirm drafted refusals (a
    workflow started before issue 11 passes False and keeps ending them by rule)."""
    if confirm_refusals and determination.refusal_confirmation_required:
        return Next.CONFIRM_REFUSAL
    status = _SETTLED_BY_RULE.get(determination.disposition)
    if status is not None and determination.terminal_outcome is not None:
        return Finish(
            status=status, outcome=determination.terminal_outcome, detail="determined by rule"
        )
    if determination.disposition is Disposition.PRESERVE:
        return Next.PRESERVE
    if determination.human_review_required or determination.disposition is Disposition.MANUAL:
        return Next.REVIEW
    return Next.AUTO_APPROVE


def after_review(determination: Determination, rejection: ReviewDecision | None) -> Finish | Next:
    """``rejection`` is the reviewer's reject decision, if review ended in one."""
    if rejection is not None:
        reason = rejection.reason_code.value if rejection.reason_code else "other"
        return Finish(
            status=Status.REJECTED,
            outcome=Outcome.REJECTED,
            detail=f"rejected ({reason}): {rejection.note}",
            actor=rejection.reviewer,
        )
    if determination.disposition is Disposition.MANUAL:
        # Prospective and national-security process are executed by legal by hand.
        return Finish(
            status=Status.CLOSED, outcome=Outcome.PRODUCED, detail="handled manually by legal"
        )
    if determination.disposition is Disposition.REDIRECT:
        # A redirect legal had to confirm (e.g. EU-held data): approval confirms it.
        return Finish(
            status=Status.REDIRECTED,
            outcome=Outcome.REDIRECTED,
            detail="redirect confirmed by review",
        )
    if determination.disposition is Disposition.REJECT:
        return Finish(
            status=Status.REJECTED, outcome=Outcome.REJECTED, detail="refusal confirmed by review"
        )
    return Next.PRODUCE


def refusal_confirmed(determination: Determination, decision: ReviewDecision) -> Finish:
    """The end of a request whose drafted refusal (or redirect) a person confirmed."""
    status = _SETTLED_BY_RULE.get(determination.disposition, Status.REJECTED)
    outcome = determination.terminal_outcome or (
        Outcome.REDIRECTED if status is Status.REDIRECTED else Outcome.REJECTED
    )
    note = f": {decision.note}" if decision.note else ""
    return Finish(
        status=status,
        outcome=outcome,
        detail=f"refusal confirmed by {decision.reviewer}{note}",
        actor=decision.reviewer,
    )


class CustomerNoticePlan(msgspec.Struct, frozen=True, kw_only=True):
    """When the customer hears of a production (docs/architecture.md §5 step 7)."""

    before_collection: bool = False  # civil process: told first, then the objection window
    after_delivery: bool = False  # told once delivered (after the order's end, if one bars it)


def customer_notice_plan(determination: Determination) -> CustomerNoticePlan:
    may_notify = (
        determination.customer_notice_allowed or determination.notice_barred_until is not None
    )
    if not may_notify:
        return CustomerNoticePlan()
    if determination.objection_window_days:
        return CustomerNoticePlan(before_collection=True)
    return CustomerNoticePlan(after_delivery=True)


def after_collection(collection: CollectionResult) -> Finish | Next:
    if collection.total_rows == 0:
        return Finish(
            status=Status.CLOSED,
            outcome=Outcome.NO_DATA,
            detail="no records held for the approved scope",
        )
    return Next.DELIVER


def production_outcome(determination: Determination, collection: CollectionResult) -> Outcome:
    """``partially_produced`` when a target was refused, a target had no records or a
    category was denied; ``produced`` otherwise."""
    partial = (
        any(not d.allowed for d in determination.targets)
        or any(t.rows == 0 for t in collection.targets)
        or bool(determination.denied_categories)
    )
    return Outcome.PARTIALLY_PRODUCED if partial else Outcome.PRODUCED
