"""Whether a person must look (docs/architecture.md §5, step 4): always, except the policy's
auto-approval class.

A request is auto-approved only when it proceeds, needs one approver and no legal
review, carries no flag beyond those that change nothing about the disclosure (an NDO,
a §2706 note), every target is answerable, the requester is verified, and the request
*as asked* (not as narrowed) falls inside one of the policy's classes. Requests the
machine refuses or redirects keep ``human_review_required`` True: the workflow closes
them on ``terminal_outcome`` without a decision, and nothing is ever disclosed unseen.
"""

from __future__ import annotations

from contracts.determination import Disposition, Flag
from services.decisions import authorities as law
from services.decisions.draft import Case, Draft
from services.decisions.jurisdiction import is_in_jurisdiction
from services.decisions.policy import AutoApprovalClass
from services.decisions.safeguards import unverified_facts

FLAGS_COMPATIBLE_WITH_AUTO_APPROVAL = frozenset({Flag.NDO, Flag.REIMBURSEMENT})


def decide_review(case: Case, draft: Draft) -> None:
    draft.human_review = not _auto_approvable(case, draft)
    if not draft.human_review:
        draft.because(
            "auto_approved",
            "a verified, in-jurisdiction request within the policy's auto-approval class",
            law.POLICY_AUTO_APPROVAL,
        )


def _auto_approvable(case: Case, draft: Draft) -> bool:
    if draft.disposition is not Disposition.PROCEED or draft.terminal_outcome is not None:
        return False
    if draft.legal_review or draft.approvals > 1:
        return False
    if set(draft.flags) - FLAGS_COMPATIBLE_WITH_AUTO_APPROVAL:
        return False
    if unverified_facts(case.process.requester):
        return False
    if not all(target.allowed for target in draft.targets):
        return False
    return any(_within(cls, case) for cls in case.policy.auto_approval)


def _within(cls: AutoApprovalClass, case: Case) -> bool:
    process = case.process
    return (
        process.process_type in cls.process_types
        and process.issuer_kind in cls.issuer_kinds
        and set(process.categories) <= cls.categories
        and 0 < len(process.targets) <= cls.max_targets
        and (not cls.in_jurisdiction_only or is_in_jurisdiction(process, case.policy))
    )
