"""Cost reimbursement from the agency under 18 U.S.C. §2706 (separate from customer cost recovery).

§2706(a) lets the provider ask a governmental entity that obtains records under §2703 for
reasonable costs; §2706(c) exempts telephone toll records and telephone listings unless
a court finds the information unusually voluminous or otherwise unduly burdensome. We
read "listings" as the subscriber information for a number (name, number, address), so
``toll_records`` and ``subscriber_info`` are exempt; session records (IP logs), detail
records, content and location are not. Volume is only an indication: a court decides.
"""

from __future__ import annotations

from contracts.determination import Disposition, Flag
from contracts.enums import DataCategory
from services.decisions import authorities as law
from services.decisions.draft import Case, Draft

EXEMPT_FROM_REIMBURSEMENT = frozenset({DataCategory.TOLL_RECORDS, DataCategory.SUBSCRIBER_INFO})


def assess_reimbursement(case: Case, draft: Draft) -> None:
    process, policy = case.process, case.policy
    if draft.disposition is not Disposition.PROCEED or not case.rule.reimbursable:
        return
    if not (policy.seek_reimbursement or process.reimbursement_requested):
        return
    costed = [c for c in draft.allowed if c not in EXEMPT_FROM_REIMBURSEMENT]
    exempt = [c for c in draft.allowed if c in EXEMPT_FROM_REIMBURSEMENT]
    targets = sum(1 for t in draft.targets if t.allowed) or len(process.targets)
    target_days = targets * (draft.period.days if draft.period else 1)
    voluminous = target_days > policy.voluminous_target_days
    if exempt:
        message = (
            f"{', '.join(c.value for c in exempt)}: telephone toll records and listings are exempt"
            " unless a court finds them unusually voluminous or unduly burdensome"
        )
        if voluminous:
            message += (
                f"; this request covers {target_days} target-days, more than the"
                f" {policy.voluminous_target_days} the policy treats as possibly voluminous"
            )
        draft.because("reimbursement_exemption", message, law.REIMBURSEMENT_EXEMPTION)
    if not costed and not voluminous:
        return
    draft.reimbursable = costed
    draft.flag(Flag.REIMBURSEMENT)
    draft.because(
        "reimbursement",
        "the agency may be asked to pay the reasonable costs of searching for, assembling and"
        " producing " + (", ".join(c.value for c in costed) or "the records, if a court so finds"),
        law.REIMBURSEMENT,
    )
