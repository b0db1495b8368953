"""Who pays (docs/billing.md): the accounts that held each target during the period, from
the number-assignment history, with the same attribution the collection uses
(``services.carrier.collector.resolve``). A resold number is held by the reseller's account
(the provider holds nothing below it), so the reseller is billed. Blocking (DuckDB).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from contracts.billing import BilledAccount, TargetHolders
from contracts.determination import LegalEntity
from contracts.legal_process import Identifier, Period
from services.carrier.collector import resolve, subscribers
from services.carrier.reader import LakeReader
from services.platform.settings import Settings


def target_payers(
    targets: Sequence[Identifier], period: Period, settings: Settings
) -> list[TargetHolders]:
    """Per target (in request order, referred to by position only), its holders; a target
    no account of either legal entity held has none."""
    found: list[TargetHolders] = []
    with LakeReader(settings) as lake:
        for index, target in enumerate(targets, start=1):
            holders: list[BilledAccount] = []
            for entity in (LegalEntity.US, LegalEntity.EU):
                resolution = resolve(lake, target, period, entity)
                if resolution.holdings:
                    facts = subscribers(lake, account_ids=set(resolution.accounts))
                    holders = [
                        BilledAccount(
                            account_id=account,
                            legal_entity=entity,
                            reseller=bool(facts.get(account) and facts[account].is_reseller),
                        )
                        for account in resolution.accounts
                    ]
                    break
            found.append(TargetHolders(target_ref=f"target {index}", holders=holders))
    return found


def billing_contacts(account_ids: Iterable[str], settings: Settings) -> dict[str, str]:
    """account id → the email on the subscriber record, where invoices are sent."""
    ordered = sorted(set(account_ids))
    if not ordered:
        return {}
    with LakeReader(settings) as lake:
        files = lake.files("subscribers", keys=ordered, months=None)
        placeholders = ", ".join("?" for _ in ordered)
        rows = lake.query(
            f"SELECT account_id, email FROM {lake.source('subscribers', files)} "
            f"WHERE account_id IN ({placeholders}) AND email IS NOT NULL",
            ordered,
        ).to_pylist()
    return {row["account_id"]: row["email"] for row in rows}
