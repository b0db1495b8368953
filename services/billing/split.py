"""Who pays how much of a request: the split rule and the explicit rounding.

- Units that are started count whole: ``started(2001, 1000) == 3`` (records per started
  thousand, reviewer time per started quarter hour). Never rounded down.
- A request's charge is split across the customers that held its targets *per target*:
  each target weighs 1, shared equally by the accounts that held it during the period (a
  number ported mid-period weighs 1/2 for each holder). A customer's share is its weight over
  the number of targets.
- Each line is split on its own: every customer gets the floor of its exact share, in
  whole cents, and the cents left over go to the first customer (in account-id order), so
  the parts always add up to the request's amount, line by line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction


def started(quantity: int, unit: int) -> int:
    """How many ``unit``-sized blocks ``quantity`` starts: ceiling, never below 0."""
    if quantity <= 0:
        return 0
    return math.ceil(quantity / unit)


def target_weights(holders_per_target: Sequence[Sequence[str]]) -> dict[str, Fraction]:
    """account → weight: each target weighs 1, split equally among the accounts that held it."""
    weights: dict[str, Fraction] = {}
    for holders in holders_per_target:
        distinct = sorted(set(holders))
        for account in distinct:
            weights[account] = weights.get(account, Fraction(0)) + Fraction(1, len(distinct))
    return dict(sorted(weights.items()))


def allocate(
    amount: int, weights: Mapping[str, Fraction], first: str | None = None
) -> dict[str, int]:
    """Split ``amount`` cents by ``weights``: floor of each exact share, remainder to
    ``first`` (default: the first account in order). Negative amounts split symmetrically."""
    if not weights:
        return {}
    if amount < 0:
        return {k: -v for k, v in allocate(-amount, weights, first).items()}
    total = sum(weights.values())
    shares = {k: math.floor(amount * w / total) for k, w in sorted(weights.items())}
    receiver = first if first is not None else next(iter(shares))
    shares[receiver] += amount - sum(shares.values())
    return shares
