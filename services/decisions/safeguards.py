"""Safeguards that do not depend on the process type's reach: who asked, whether we have
seen it before, and the extra care emergency and content disclosure demand."""

from __future__ import annotations

from contracts.determination import Flag
from contracts.enums import DataCategory, ProcessType
from contracts.legal_process import LegalProcess, Requester
from services.decisions import authorities as law
from services.decisions.draft import Case, Draft

FOUR_EYES = 2


DEACTIVATED = "officer_deactivated"

# The checks intake has always recorded as booleans, with the finding code each one has.
_RECORDED_CHECKS = (
    ("agency_not_registered", "agency not in the registry", "agency_registered"),
    ("officer_not_on_roster", "officer not known to the registry", "officer_known"),
    (
        "email_domain_not_registered",
        "email domain does not match the agency",
        "email_domain_verified",
    ),
)


def unverified_facts(requester: Requester) -> list[str]:
    """What intake could not establish about the requester (empty when verified): each
    failed check's reason (the finding's own words when intake recorded one), then every
    other blocking finding (look-alike or free-mail domain, token subject, ...). An officer
    the agency's admin deactivated is on the roster, but no longer speaks for the agency."""
    findings = {f.code: f for f in requester.findings}
    problems = [
        findings[code].reason if code in findings else text
        for code, text, passed in _RECORDED_CHECKS
        if not getattr(requester, passed)
        and not (passed == "officer_known" and requester.officer_deactivated)
    ]
    if requester.officer_deactivated:
        problems.append(
            findings[DEACTIVATED].reason
            if DEACTIVATED in findings
            else "officer deactivated in the registry"
        )
    recorded = {code for code, _, _ in _RECORDED_CHECKS} | {DEACTIVATED}
    problems += [f.reason for f in requester.findings if f.blocking and f.code not in recorded]
    return problems


def callback_outstanding(process: LegalProcess) -> bool:
    """An emergency request waits for staff to call the agency back on its published number
    (docs/architecture.md §5 step 2) unless intake already recorded the call-back."""
    return process.process_type is ProcessType.EMERGENCY_REQUEST and (
        process.emergency is None or not process.emergency.callback_verified_by
    )


def check_requester(case: Case, draft: Draft) -> None:
    requester = case.process.requester
    for finding in requester.findings:  # issue 11: each finding, with its reason
        draft.because(
            f"verification:{finding.code}",
            finding.reason + ("" if finding.blocking else " (noted; does not block)"),
            law.POLICY_VERIFICATION,
        )
    problems = unverified_facts(requester)
    if not problems:
        return
    draft.flag(Flag.UNVERIFIED_REQUESTER)
    draft.because(
        "unverified_requester",
        f"requester not verified ({'; '.join(problems)}):"
        " a person verifies before anything proceeds",
        law.POLICY_VERIFICATION,
    )


def check_duplicate(case: Case, draft: Draft) -> None:
    original = case.process.duplicate_of
    if not original:
        return
    draft.flag(Flag.DUPLICATE)
    draft.because(
        "duplicate",
        f"same agency, case number and targets as request {original}:"
        " linked to it, not processed twice",
        law.POLICY_DUPLICATES,
    )


def emergency_safeguards(case: Case, draft: Draft) -> None:
    process = case.process
    if draft.ended or process.process_type is not ProcessType.EMERGENCY_REQUEST:
        return
    draft.approvals = max(draft.approvals, FOUR_EYES)
    draft.because(
        "four_eyes_emergency",
        "emergency disclosure needs two different approvers",
        law.POLICY_FOUR_EYES,
    )
    emergency = process.emergency
    if emergency is None or not emergency.nature_of_danger.strip():
        draft.because(
            "emergency_facts_missing",
            "no facts are given for the danger of death or serious physical injury: ask the agency",
            law.EMERGENCY_RECORDS,
        )
    if emergency is None or not emergency.callback_verified_by:
        draft.flag(Flag.CALLBACK_UNVERIFIED)
        draft.because(
            "callback_required",
            "call the agency back on its published number before anything is disclosed",
            law.POLICY_VERIFICATION,
        )
    if DataCategory.CONTENT in draft.allowed:
        draft.because(
            "emergency_content",
            "content goes only if the emergency requires its disclosure without delay",
            law.EMERGENCY_CONTENT,
        )
    draft.because(
        "follow_up_process",
        "ask the agency for follow-up legal process covering what is disclosed",
        law.EMERGENCY_RECORDS,
    )


def content_safeguards(case: Case, draft: Draft) -> None:
    if DataCategory.CONTENT not in draft.allowed:
        return
    draft.approvals = max(draft.approvals, FOUR_EYES)
    draft.because(
        "four_eyes_content",
        "content disclosure needs two different approvers",
        law.POLICY_FOUR_EYES,
    )
