"""The pure decision engine: what the law lets the provider disclose (DESIGN §5 step 2, §6).

No I/O and no clock: workflows, activities and HTTP handlers call these functions with
contract Structs and a ``now``; tests call them directly.
"""

from services.workflows.decisions.determine import determine
from services.workflows.decisions.policy import (
    AutoApprovalClass,
    Policy,
    PolicyError,
    StateProcessHandling,
    StateProcessRule,
    load_policy,
    parse_policy,
    timing,
)
from services.workflows.decisions.targets import InvalidIdentifier, normalize_identifier

__all__ = [
    "AutoApprovalClass",
    "InvalidIdentifier",
    "Policy",
    "PolicyError",
    "StateProcessHandling",
    "StateProcessRule",
    "determine",
    "load_policy",
    "normalize_identifier",
    "parse_policy",
    "timing",
]
