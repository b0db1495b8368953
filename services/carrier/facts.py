"""``target_facts``: what the lake says about each target before anyone decides.

Held by the provider in the period, by which legal entity, resold or not: the facts the
decision engine (``services.decisions``) weighs beside the process itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from contracts.determination import LegalEntity, TargetFact, TargetFacts
from contracts.enums import IdentifierKind
from contracts.legal_process import Identifier, Period
from services.carrier.collector import assignments, subscribers
from services.carrier.holdings import Subscriber, holders_in_period, period_bounds
from services.carrier.reader import LakeReader
from services.platform.settings import Settings


def target_facts(
    targets: Sequence[Identifier], period: Period | None, settings: Settings
) -> TargetFacts:
    """Facts about each number, account or email target over ``period`` (all history if None).

    IP targets get no entry: the lake is not keyed by IP, and a target without facts is
    decided on the process alone rather than on a guess.
    """
    facts: dict[str, TargetFact] = {}
    with LakeReader(settings) as lake:
        for target in targets:
            holders = _holders(lake, target, period)
            if holders is not None:
                facts[target.value] = _fact(holders)
    return TargetFacts(targets=facts)


def _holders(
    lake: LakeReader, target: Identifier, period: Period | None
) -> list[Subscriber] | None:
    if target.kind is IdentifierKind.TELEPHONE_NUMBER:
        history = assignments(lake, numbers=[target.value])
        accounts = holders_in_period(target.value, history, period)
        return list(subscribers(lake, account_ids=set(accounts)).values())
    if target.kind is IdentifierKind.ACCOUNT_ID:
        found = subscribers(lake, account_ids={target.value})
    elif target.kind is IdentifierKind.EMAIL:
        found = subscribers(lake, email=target.value)
    else:
        return None
    return [s for s in found.values() if _open_in(s, period)]


def _open_in(subscriber: Subscriber, period: Period | None) -> bool:
    if period is None or subscriber.service_start is None:
        return True
    return subscriber.service_start < period_bounds(period)[1].date()


def _fact(holders: list[Subscriber]) -> TargetFact:
    resellers = sorted(h.reseller_customer_name or h.account_id for h in holders if h.is_reseller)
    # Any EU holder makes the target EU-held: the stricter regime (GDPR Art 48) must apply.
    entity = (
        LegalEntity.EU if any(h.legal_entity == LegalEntity.EU for h in holders) else LegalEntity.US
    )
    return TargetFact(
        held_in_period=bool(holders),
        resold=bool(resellers),
        reseller_customer=resellers[0] if resellers else "",
        entity=entity,
    )
