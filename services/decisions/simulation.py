"""The policy simulator's pure part: replay ``determine`` over recorded requests with a
candidate policy and say, request by request, what would change (docs/policy.md).

A replay is exact because it uses what the original determination was made from, as the
``assess`` activity recorded it (``services/register/determination_inputs.py``): the process
as held, the policy in force, the carrier's facts about each target and the instant taken
as "now". The *before* column is that replay with the recorded policy, so engine changes
since the request was assessed do not show up as policy changes; where the before replay
differs from the determination the register kept, the request is listed as drifted.

No I/O, no clock: the register supplies the cases, the caller stores the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec

from contracts.determination import Determination, TargetFacts
from contracts.legal_process import LegalProcess
from contracts.policy_simulation import (
    DeterminationOutcome,
    NotReplayable,
    RequestChange,
    SimulationReport,
)
from services.decisions.determine import determine
from services.decisions.disposition import Next, after_assessment
from services.decisions.policy import Policy

# The outcome fields compared, in the order a report lists them.
DISPOSITION = "disposition"
ALLOWED_CATEGORIES = "allowed_categories"
HUMAN_REVIEW = "human_review"
AUTO_APPROVAL = "auto_approval"
COMPARED = (DISPOSITION, ALLOWED_CATEGORIES, HUMAN_REVIEW, AUTO_APPROVAL)


class RecordedCase(msgspec.Struct, frozen=True, kw_only=True):
    """One request's determination inputs, as recorded when it was assessed."""

    request_id: str
    process: LegalProcess
    policy: Policy
    now: dt.datetime
    facts: TargetFacts = TargetFacts()
    recorded: Determination | None = None  # what the register kept, if anything


def outcome_of(determination: Determination) -> DeterminationOutcome:
    return DeterminationOutcome(
        disposition=determination.disposition.value,
        allowed_categories=sorted(determination.allowed_categories),
        human_review=determination.human_review_required,
        auto_approval=after_assessment(determination) is Next.AUTO_APPROVE,
    )


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def compare(before: DeterminationOutcome, after: DeterminationOutcome) -> list[str]:
    return [field for field in COMPARED if getattr(before, field) != getattr(after, field)]


def change_label(field: str, before: DeterminationOutcome, after: DeterminationOutcome) -> str:
    return f"{field}: {_shown(getattr(before, field))} -> {_shown(getattr(after, field))}"


def links(request_id: str) -> tuple[str, str]:
    return f"/v1/legal-processes/{request_id}", f"/ui/requests/{request_id}"


def simulate(
    cases: Iterable[RecordedCase],
    candidate: Policy,
    *,
    candidate_sha256: str,
    since: dt.date | None = None,
    not_replayable: Iterable[NotReplayable] = (),
) -> SimulationReport:
    """Replay every case with its recorded policy and with ``candidate``; report the
    requests whose outcome differs, with counts per change."""
    skipped = list(not_replayable)
    changes: list[RequestChange] = []
    counts: dict[str, int] = {}
    drifted: list[str] = []
    replayed = 0
    for case in cases:
        baseline = determine(case.process, case.policy, case.now, case.facts)
        if case.recorded is not None and baseline != case.recorded:
            drifted.append(case.request_id)
        proposed = determine(case.process, candidate, case.now, case.facts)
        replayed += 1
        before, after = outcome_of(baseline), outcome_of(proposed)
        changed = compare(before, after)
        if not changed:
            continue
        for field in changed:
            label = change_label(field, before, after)
            counts[label] = counts.get(label, 0) + 1
        api, ui = links(case.request_id)
        changes.append(
            RequestChange(
                request_id=case.request_id,
                changed=changed,
                before=before,
                after=after,
                api=api,
                ui=ui,
            )
        )
    return SimulationReport(
        candidate_sha256=candidate_sha256,
        since=since,
        considered=replayed + len(skipped),
        replayed=replayed,
        changed=len(changes),
        unchanged=replayed - len(changes),
        counts=dict(sorted(counts.items())),
        changes=sorted(changes, key=lambda c: c.request_id),
        not_replayable=sorted(skipped, key=lambda s: s.request_id),
        drifted=sorted(drifted),
    )


def render_text(report: SimulationReport) -> str:
    """The report as legal reads it in a terminal: counts first, then request by request."""
    window = f" since {report.since}" if report.since else ""
    lines = [
        f"Policy simulation{window}: candidate sha256 {report.candidate_sha256[:16]}",
        f"  requests considered {report.considered}, replayed {report.replayed}, "
        f"changed {report.changed}, unchanged {report.unchanged}, "
        f"not replayable {len(report.not_replayable)}, drifted {len(report.drifted)}",
    ]
    if report.counts:
        lines.append("Changes:")
        lines.extend(f"  {count:>5}  {label}" for label, count in report.counts.items())
    for change in report.changes:
        lines.append(f"{change.request_id}  {change.ui}  {change.api}")
        for field in change.changed:
            lines.append(f"    {change_label(field, change.before, change.after)}")
    for skipped in report.not_replayable:
        lines.append(f"not replayable: {skipped.request_id}: {skipped.reason}")
    for request_id in report.drifted:
        lines.append(f"drifted (engine changed since assessment): {request_id}")
    return "\n".join(lines) + "\n"
