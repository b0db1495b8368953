"""``determine``: the machine's legal review of one request (docs/architecture.md §5 step 3;
docs/legal-rules.md).

Pure: no I/O, no clock (``now`` is passed in), the same input always gives the same
output, so a workflow may call it or replay a recorded result. Each stage is a small rule
over the case; the order matters only where a stage ends the request (foreign process,
out-of-state process, a stale warrant, a bad date range, nothing the process can reach,
no answerable target), after which scoping stages stand aside and the notice and review
stages record what follows from the ending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from contracts.determination import Determination, TargetDecision, TargetFacts
from contracts.legal_process import LegalProcess
from services.decisions.draft import Case, Draft
from services.decisions.jurisdiction import check_out_of_state, select_rule
from services.decisions.notice import decide_customer_notice
from services.decisions.policy import Policy
from services.decisions.ranges import check_period
from services.decisions.refusal import draft_refusal
from services.decisions.reimbursement import assess_reimbursement
from services.decisions.review import decide_review
from services.decisions.safeguards import (
    check_duplicate,
    check_requester,
    content_safeguards,
    emergency_safeguards,
)
from services.decisions.scope import route_by_rule, scope_categories
from services.decisions.target_rules import decide_targets
from services.decisions.warrants import check_execution_window

Stage = Callable[[Case, Draft], None]


def _refuse_targets_with_request(case: Case, draft: Draft) -> None:
    """A request refused as a whole refuses every target, for the same reason."""
    if not draft.ended or draft.targets:
        return
    draft.targets = [
        TargetDecision(
            target=target,
            allowed=False,
            reason=draft.ending_reason,
            redirect_to=draft.redirect_to,
        )
        for target in dict.fromkeys(case.process.targets)
    ]


STAGES: tuple[Stage, ...] = (
    check_requester,
    check_duplicate,
    route_by_rule,
    check_out_of_state,
    check_execution_window,
    check_period,
    scope_categories,
    decide_targets,
    emergency_safeguards,
    content_safeguards,
    assess_reimbursement,
    decide_customer_notice,
    _refuse_targets_with_request,
    decide_review,
    draft_refusal,
)


def determine(
    process: LegalProcess,
    policy: Policy,
    now: dt.datetime,
    facts: TargetFacts | None = None,
) -> Determination:
    """What the law lets the provider disclose for ``process``, and who must look first.

    ``now`` fixes "today" (its calendar date) for date-range checks; pass it in the
    provider's legal time zone (UTC by default). ``facts`` are the carrier's facts about
    the targets (held, resold, which entity); without them targets are decided on the
    process alone.
    """
    facts = facts or TargetFacts()
    case = Case(
        process=process,
        policy=policy,
        today=now.date(),
        facts=facts,
        rule=select_rule(process, policy, facts),
    )
    draft = Draft(requested=list(dict.fromkeys(process.categories)))
    for stage in STAGES:
        stage(case, draft)
    return draft.freeze()
