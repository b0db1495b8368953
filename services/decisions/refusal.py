"""No refusal is final without a person (issue 11; docs/legal-rules.md).

When the engine concludes that nothing asked for can be disclosed (a subpoena asking only
for content, a stale federal warrant, location on a §2703(d) order, a date range that
cannot be answered, a private party's misuse of government process, targets the provider
never held), ``draft_refusal`` writes the refusal: its reasons, the authorities they cite
and the answer to the agency. The request then waits for a reviewer, who confirms it (the
request ends as the machine said) or overrides it (audited: the request goes back into
review with the scope the reviewer names, needing legal's approval and four eyes). A
wrongful refusal of a court order is as serious as a wrongful disclosure, so confirming or
overriding the refusal of a court order needs legal.

Pure redirects that only point elsewhere (MLAT, §1782, domestication, a reseller's
numbers) end by rule when the policy's ``automatic_redirects`` says so, marked
``redirected_by_rule`` so the queue shows them for a look; otherwise they wait like refusals.

``override`` is the pure function the workflow applies to an accepted override.
"""

from __future__ import annotations

import msgspec

from contracts.determination import (
    Determination,
    Disposition,
    Flag,
    LegalEntity,
    Reason,
    RefusalDraft,
    TargetDecision,
)
from contracts.enums import DataCategory, IssuerKind, Outcome, ProcessType
from contracts.legal_process import LegalProcess, Period
from contracts.workflow import ReviewDecision
from services.decisions import authorities as law
from services.decisions.draft import Case, Draft

# Process a court issued: refusing it is a legal judgment, confirmed (or overridden) by legal.
COURT_ORDERS = frozenset(
    {
        ProcessType.SEARCH_WARRANT,
        ProcessType.COURT_ORDER_2703D,
        ProcessType.PEN_REGISTER_ORDER,
        ProcessType.WIRETAP_ORDER,
        ProcessType.FISA_ORDER,
    }
)
# Reasons that are about who asked or how Writ works, not about the law's answer: they stay
# out of the agency's refusal letter (the staff see them in the determination).
INTERNAL_REASON_CODES = frozenset(
    {
        "unverified_requester",
        "duplicate",
        "auto_approved",
        "four_eyes_emergency",
        "four_eyes_content",
        "callback_required",
        "refusal_overridden",
    }
)
OVERRIDE_APPROVALS = 2  # the overriding reviewer and one more person


def is_internal(reason: Reason) -> bool:
    return reason.code in INTERNAL_REASON_CODES or reason.code.startswith("verification:")


def draft_refusal(case: Case, draft: Draft) -> None:
    """The last stage: a whole refusal is drafted for a person to confirm; a pure redirect
    ends by rule (flagged) or waits for a person, as the policy says."""
    if draft.terminal_outcome is None:
        return
    if draft.disposition is Disposition.REDIRECT and case.policy.automatic_redirects:
        draft.redirected_by_rule = True
        draft.flag(Flag.REDIRECTED_BY_RULE)
        draft.because(
            "redirected_by_rule",
            "the process only points elsewhere: redirected by rule, as the policy provides;"
            " shown in the review queue for a look",
            law.POLICY_REFUSAL_REVIEW,
        )
        return
    if draft.disposition not in (Disposition.REJECT, Disposition.REDIRECT):
        return
    reasons = [r for r in draft.reasons if not is_internal(r)]
    if draft.ending_reason is not None and draft.ending_reason in reasons:
        # The reason that ended the request leads the letter.
        reasons.remove(draft.ending_reason)
        reasons.insert(0, draft.ending_reason)
    citations = list(dict.fromkeys(r.authority for r in reasons if r.authority))
    draft.refusal = RefusalDraft(
        reasons=reasons,
        citations=citations,
        response=_response(case.process, reasons, draft.redirect_to, draft.terminal_outcome),
        needs_legal=case.process.process_type in COURT_ORDERS
        and case.process.issuer_kind is not IssuerKind.PRIVATE_PARTY,
    )
    draft.refusal_confirmation_required = True
    draft.because(
        "refusal_drafted",
        "the machine drafted the refusal: a person confirms or overrides it before the"
        " request ends",
        law.POLICY_REFUSAL_REVIEW,
    )


def _response(
    process: LegalProcess, reasons: list[Reason], redirect_to: str | None, outcome: Outcome
) -> str:
    """The answer to the agency: request-level reasons only, never a target or a record."""
    kind = process.process_type.value.replace("_", " ")
    if outcome is Outcome.NO_DATA:
        opening = "The provider holds no records responsive to this process."
    elif redirect_to:
        opening = "The provider cannot answer this process as served."
    else:
        opening = "The provider cannot disclose the records this process asks for."
    lines = [
        f"Request {process.request_id}: {kind} issued by {process.issuer_name}"
        f" ({process.jurisdiction}), case {process.case_number}.",
        "",
        opening,
        "",
    ]
    lines += [f"- {r.message}" + (f" ({r.authority})" if r.authority else "") for r in reasons]
    if redirect_to:
        lines += ["", f"Please direct the request to: {redirect_to}."]
    lines += ["", "This answer was confirmed by a member of the provider's legal-process team."]
    return "\n".join(lines)


def override(
    determination: Determination, process: LegalProcess, decision: ReviewDecision
) -> Determination:
    """The determination once ``decision`` (an accepted ``override_refusal``) overrides the
    machine's refusal: it proceeds, for the categories and targets the reviewer names, to a
    review that needs legal's approval and two approvers."""
    requested = list(dict.fromkeys(process.categories))
    chosen = set(decision.categories or [])
    allowed = [c for c in requested if c in chosen]
    kept = None if decision.targets is None else set(decision.targets)
    left_out = Reason(
        code="override_scope",
        message="left out of the scope the overriding reviewer put back in review",
        authority=law.POLICY_REFUSAL_REVIEW,
    )
    targets = [
        TargetDecision(target=t, allowed=True, entity=_entity(determination, t.value))
        if kept is None or t.value in kept
        else TargetDecision(target=t, allowed=False, reason=left_out)
        for t in dict.fromkeys(process.targets)
    ]
    reason = Reason(
        code="refusal_overridden",
        message=f"{decision.reviewer} overrode the machine's refusal: {decision.note}".rstrip(": "),
        authority=law.POLICY_REFUSAL_REVIEW,
    )
    refusal = determination.refusal or RefusalDraft()
    return msgspec.structs.replace(
        determination,
        disposition=Disposition.PROCEED,
        allowed_categories=allowed,
        denied_categories=[c for c in requested if c not in chosen],
        period=determination.period or _period(process),
        targets=targets,
        flags=[*[f for f in determination.flags if f is not Flag.REFUSAL_OVERRIDDEN]]
        + [Flag.REFUSAL_OVERRIDDEN],
        reasons=[*determination.reasons, reason],
        human_review_required=True,
        legal_review_required=True,
        approvals_required=max(OVERRIDE_APPROVALS, determination.approvals_required),
        terminal_outcome=None,
        redirect_to=None,
        refusal=msgspec.structs.replace(
            refusal, overridden_by=decision.reviewer, override_note=decision.note
        ),
        refusal_confirmation_required=False,
    )


def _entity(determination: Determination, value: str) -> LegalEntity:
    for decision in determination.targets:
        if decision.target.value == value:
            return decision.entity
    return LegalEntity.US


def _period(process: LegalProcess) -> Period | None:
    return process.period


def override_refusal_problem(
    decision: ReviewDecision, determination: Determination, process: LegalProcess | None
) -> str | None:
    """Why an override cannot be accepted, or None."""
    if not decision.note.strip():
        return "overriding a refusal needs a note saying why"
    if not decision.categories:
        return "overriding a refusal needs the categories to put back in review"
    if process is not None:
        requested: set[DataCategory] = set(process.categories)
        beyond = set(decision.categories) - requested
        if beyond:
            return "an override cannot add categories the process did not ask for: " + ", ".join(
                sorted(beyond)
            )
        if decision.targets is not None:
            known = {t.value for t in process.targets}
            if not decision.targets or set(decision.targets) - known:
                return "an override's targets must be among the targets the process names"
    return None
