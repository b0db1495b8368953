"""Whose process this is: foreign, private party, another state, or ours to answer.

``select_rule`` picks the row of the process table that governs. The rule follows who is
asking as much as what the paper is called: a private party's "subpoena" is civil process
(§2702(c)(6)), a government's civil subpoena is a §2703(c)(2) subpoena, and anything from
abroad is routed (MLAT, CLOUD Act agreement, EU order) whatever it is titled.
"""

from __future__ import annotations

import re

from contracts.determination import Disposition, Flag, LegalEntity, TargetFacts
from contracts.enums import SUBPOENA_TYPES, IssuerKind, Outcome, ProcessType
from contracts.legal_process import LegalProcess
from services.decisions import authorities as law
from services.decisions.draft import Case, Draft
from services.decisions.policy import Policy, StateProcessHandling
from services.decisions.scope import (
    CIVIL_SUBPOENA_RULE,
    CLOUD_ACT_RULE,
    EU_ORDER_RULE,
    FOREIGN_EMERGENCY_RULE,
    FOREIGN_PRIVATE_PARTY_RULE,
    MLAT_RULE,
    PRIVATE_PARTY_MISUSE_RULE,
    PROCESS_RULES,
    SUBPOENA_RULE,
    ProcessRule,
)

US_STATE = re.compile(r"US-[A-Z]{2}")

# Member States bound by Regulation (EU) 2023/1543 (Denmark is not: Protocol No 22).
EU_ORDER_STATES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip

_PRIVATE_PARTY_SUBPOENAS = SUBPOENA_TYPES | {ProcessType.CIVIL_SUBPOENA}


def is_foreign(process: LegalProcess) -> bool:
    return (
        process.issuer_kind is IssuerKind.FOREIGN
        or process.process_type is ProcessType.FOREIGN_REQUEST
        or not (process.jurisdiction == "US" or process.jurisdiction.startswith("US-"))
    )


def country_of(process: LegalProcess) -> str:
    return process.jurisdiction[:2]


def select_rule(process: LegalProcess, policy: Policy, facts: TargetFacts) -> ProcessRule:
    if is_foreign(process):
        return _foreign_rule(process, policy, facts)
    if process.issuer_kind is IssuerKind.PRIVATE_PARTY:
        if process.process_type in _PRIVATE_PARTY_SUBPOENAS:
            return CIVIL_SUBPOENA_RULE
        return PRIVATE_PARTY_MISUSE_RULE
    if process.process_type is ProcessType.CIVIL_SUBPOENA:
        return SUBPOENA_RULE  # a governmental entity's subpoena, civil or not: §2703(c)(2)
    return PROCESS_RULES[process.process_type]


def _foreign_rule(process: LegalProcess, policy: Policy, facts: TargetFacts) -> ProcessRule:
    country = country_of(process)
    if process.issuer_kind is IssuerKind.PRIVATE_PARTY:
        return FOREIGN_PRIVATE_PARTY_RULE
    if country in EU_ORDER_STATES and _any_eu_held(process, facts):
        return EU_ORDER_RULE
    if process.process_type is ProcessType.EMERGENCY_REQUEST:
        return FOREIGN_EMERGENCY_RULE
    if country in policy.cloud_act_countries:
        return CLOUD_ACT_RULE
    return MLAT_RULE


def _any_eu_held(process: LegalProcess, facts: TargetFacts) -> bool:
    for target in process.targets:
        fact = facts.fact_for(target)
        if fact is not None and fact.entity is LegalEntity.EU:
            return True
    return False


def is_in_jurisdiction(process: LegalProcess, policy: Policy) -> bool:
    """Federal process reaches us anywhere; state and local process only from our domicile."""
    if is_foreign(process):
        return False
    if process.issuer_kind is IssuerKind.FEDERAL:
        return True
    return process.jurisdiction == policy.domicile_state


def check_out_of_state(case: Case, draft: Draft) -> None:
    """A state court's process from another state: accept, or redirect for domestication."""
    process, policy, family = case.process, case.policy, case.rule.domestication
    if draft.ended or family is None or process.issuer_kind is IssuerKind.FEDERAL:
        return
    state = process.jurisdiction
    if not US_STATE.fullmatch(state) or state == policy.domicile_state:
        return
    draft.flag(Flag.OUT_OF_STATE)
    handling = getattr(policy.state_rule(state), family)
    if handling is StateProcessHandling.ACCEPT:
        draft.because(
            "out_of_state_accepted",
            f"{family} process issued in {state} is honoured as served, as the policy provides",
            law.POLICY_STATE_PROCESS,
        )
        return
    act = law.UIDDA if family == "civil" else law.UNIFORM_CRIMINAL_ACT
    reason = draft.because(
        "domestication_required",
        f"{family} process issued in {state} has no force in {policy.domicile_state}:"
        f" it must be domesticated there before the provider answers it",
        f"{act}, as enacted in {policy.domicile_state}",
    )
    draft.end(
        Disposition.REDIRECT,
        reason,
        outcome=Outcome.REDIRECTED,
        redirect_to=f"domestication in {policy.domicile_state}",
    )
