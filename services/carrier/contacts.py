"""Who to tell: the customers who held a request's targets, and where they take notices.

Used only once the determination allows customer notice (no §2705(b) order in force, no
emergency, not national-security process).
"""

from __future__ import annotations

from collections.abc import Sequence

from contracts.enums import IdentifierKind
from contracts.legal_process import Identifier, Period
from services.carrier.collector import assignments, subscribers
from services.carrier.holdings import holders_in_period
from services.carrier.reader import LakeReader
from services.platform.settings import Settings


def customer_contacts(
    targets: Sequence[Identifier], period: Period | None, settings: Settings
) -> dict[str, str]:
    """account id → notice email of every account that held a target during ``period``."""
    with LakeReader(settings) as lake:
        accounts: set[str] = set()
        for target in targets:
            if target.kind is IdentifierKind.TELEPHONE_NUMBER:
                history = assignments(lake, numbers=[target.value])
                accounts.update(holders_in_period(target.value, history, period))
            elif target.kind is IdentifierKind.ACCOUNT_ID:
                accounts.add(target.value)
            elif target.kind is IdentifierKind.EMAIL:
                accounts.update(subscribers(lake, email=target.value))
        if not accounts:
            return {}
        ordered = sorted(accounts)
        files = lake.files("subscribers", keys=ordered, months=None)
        placeholders = ", ".join("?" for _ in ordered)
        rows = lake.query(
            f"SELECT account_id, email FROM {lake.source('subscribers', files)} "
            f"WHERE account_id IN ({placeholders}) AND email IS NOT NULL",
            ordered,
        ).to_pylist()
    return {row["account_id"]: row["email"] for row in rows}
