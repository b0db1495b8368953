"""Per-target decisions (docs/legal-rules.md): some targets produced, others refused, each
with a reason.

A target is refused when the provider did not hold it in the period (the agency gets
``no_data``), when it is a reseller's number (the agency is sent to the reseller), or when
its records belong to the EU subsidiary and the process is not an EU authority's own
(GDPR Art. 48: redirect to MLAT). Targets without facts are decided on the process alone.

When every target is refused, the request ends: redirected when any refusal names a
destination, otherwise rejected with outcome ``no_data`` (the process was sound; the
provider simply holds nothing, which is what the transparency report should count).
Refusals on EU grounds leave the last word to legal: 18 U.S.C. §2713 reaches data in the
provider's "possession, custody, or control" wherever stored, and whether the US parent
controls its subsidiary's records is a legal question, not a lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from contracts.determination import (
    Disposition,
    Flag,
    LegalEntity,
    Reason,
    TargetDecision,
    TargetFact,
)
from contracts.enums import Outcome, ProcessType
from contracts.legal_process import Identifier
from services.decisions import authorities as law
from services.decisions.draft import Case, Draft

MLAT_FOR_EU_DATA = "MLAT with the EU Member State of the EU subsidiary"


@dataclass(frozen=True, slots=True)
class _Verdict:
    decision: TargetDecision
    flags: tuple[Flag, ...] = ()
    needs_legal: bool = False


def decide_targets(case: Case, draft: Draft) -> None:
    if draft.ended:
        return
    verdicts = [_decide(case, target) for target in _unique(case.process.targets)]
    draft.targets = [verdict.decision for verdict in verdicts]
    for verdict in verdicts:
        draft.flag(*verdict.flags)
        draft.legal_review |= verdict.needs_legal
        if verdict.decision.reason is not None:
            draft.because(
                verdict.decision.reason.code,
                verdict.decision.reason.message,
                verdict.decision.reason.authority,
            )
    # Legal handles manual process itself, target facts included; it is never ended here.
    answerable = draft.disposition in (Disposition.PROCEED, Disposition.PRESERVE)
    if answerable and verdicts and not any(verdict.decision.allowed for verdict in verdicts):
        _end_for_targets(draft, verdicts)


def _decide(case: Case, target: Identifier) -> _Verdict:
    fact = case.facts.fact_for(target)
    if fact is None:
        return _Verdict(TargetDecision(target=target, allowed=True))
    verdict = _decide_on_fact(case, target, fact)
    # The entity travels with the decision: collection reads the target among its customers.
    decision = msgspec.structs.replace(verdict.decision, entity=fact.entity)
    return _Verdict(decision, verdict.flags, verdict.needs_legal)


def _decide_on_fact(case: Case, target: Identifier, fact: TargetFact) -> _Verdict:
    if not fact.held_in_period:
        return _refuse(
            target,
            Reason(
                code="not_held",
                message=(
                    "the provider did not hold this target in the period:"
                    " there is nothing to produce"
                ),
                authority=law.OWN_CUSTOMERS_ONLY,
            ),
            flags=(Flag.NOT_HELD,),
        )
    if fact.resold:
        reseller = fact.reseller_customer or "the reseller customer"
        return _refuse(
            target,
            Reason(
                code="reseller",
                message=(
                    f"a wholesale number resold by {reseller}: the provider holds only the"
                    f" reseller's account, not the end user's; serve {reseller}"
                ),
                authority=law.OWN_CUSTOMERS_ONLY,
            ),
            redirect_to=reseller,
            flags=(Flag.RESELLER,),
        )
    if fact.entity is LegalEntity.EU and not case.rule.eu_process:
        return _eu_held(case, target)
    return _Verdict(TargetDecision(target=target, allowed=True))


def _eu_held(case: Case, target: Identifier) -> _Verdict:
    if case.process.process_type is ProcessType.EMERGENCY_REQUEST:
        return _Verdict(
            TargetDecision(
                target=target,
                allowed=True,
                reason=Reason(
                    code="eu_vital_interests",
                    message=(
                        "the EU subsidiary holds this target's records: only a narrow"
                        " vital-interests transfer is possible, and legal decides it"
                    ),
                    authority=law.GDPR_VITAL_INTERESTS,
                ),
            ),
            flags=(Flag.EU_DATA,),
            needs_legal=True,
        )
    return _refuse(
        target,
        Reason(
            code="eu_data",
            message=(
                "the EU subsidiary holds this target's records: a third-country order is"
                " recognised only through an international agreement such as an MLAT"
            ),
            authority=law.GDPR_THIRD_COUNTRY_ORDERS,
        ),
        redirect_to=MLAT_FOR_EU_DATA,
        flags=(Flag.EU_DATA,),
        needs_legal=True,
    )


def _refuse(
    target: Identifier,
    reason: Reason,
    *,
    redirect_to: str | None = None,
    flags: tuple[Flag, ...] = (),
    needs_legal: bool = False,
) -> _Verdict:
    decision = TargetDecision(target=target, allowed=False, reason=reason, redirect_to=redirect_to)
    return _Verdict(decision, flags, needs_legal)


def _end_for_targets(draft: Draft, verdicts: list[_Verdict]) -> None:
    destinations = list(
        dict.fromkeys(v.decision.redirect_to for v in verdicts if v.decision.redirect_to)
    )
    if not destinations:
        reason = draft.because(
            "no_data",
            "the provider held none of the targets in the period",
            law.OWN_CUSTOMERS_ONLY,
        )
        draft.end(Disposition.REJECT, reason, outcome=Outcome.NO_DATA, refuse_categories=False)
        return
    eu = any(v.needs_legal for v in verdicts)
    reason = draft.because(
        "all_targets_redirected",
        "no target can be answered here: "
        + "; ".join(destinations)
        + (" (legal confirms the EU redirection)" if eu else ""),
        law.GDPR_THIRD_COUNTRY_ORDERS if eu else law.OWN_CUSTOMERS_ONLY,
    )
    draft.end(
        Disposition.REDIRECT,
        reason,
        outcome=None if eu else Outcome.REDIRECTED,
        redirect_to="; ".join(destinations),
        refuse_categories=False,
    )


def _unique(targets: list[Identifier]) -> list[Identifier]:
    return list(dict.fromkeys(targets))
