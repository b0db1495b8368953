"""The provider's legal-handling policy: the choices the law leaves to the provider.

Defaults are the conservative reading; a JSON file (``WRIT_POLICY_PATH`` or whatever the
caller passes) overrides them. The policy is configuration, so unknown keys in the file
are an error (a misspelt key must not silently keep a default). The Structs themselves do
not forbid unknown fields, so a Policy carried in workflow history stays decodable after
fields are added.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from contracts.enums import (
    BASIC_SUBSCRIBER_INFO,
    SUBPOENA_TYPES,
    DataCategory,
    IssuerKind,
    ProcessType,
)
from contracts.workflow import Timing

UsState = Annotated[str, Meta(pattern=r"^US-[A-Z]{2}$", examples=["US-NC"])]
Country = Annotated[str, Meta(pattern=r"^[A-Z]{2}$", examples=["GB"])]
Positive = Annotated[int, Meta(ge=1)]


class PolicyError(ValueError):
    """The policy file is missing, malformed or names a setting that does not exist."""


class StateProcessHandling(enum.StrEnum):
    ACCEPT = "accept"  # honour the other state's process as served
    DOMESTICATE = "domesticate"  # refuse; redirect to domestication in the domicile state


class StateProcessRule(msgspec.Struct, frozen=True, kw_only=True):
    """How process from one other US state is handled, criminal and civil separately.

    The Uniform Interstate Depositions and Discovery Act governs civil subpoenas; criminal
    process from another state has no force here unless domesticated, but providers often
    honour it for records the SCA lets them disclose, so the default accepts it.
    """

    criminal: StateProcessHandling = StateProcessHandling.ACCEPT
    civil: StateProcessHandling = StateProcessHandling.DOMESTICATE


class AutoApprovalClass(msgspec.Struct, frozen=True, kw_only=True):
    """A class of request the machine may approve without a person (docs/legal-rules.md).

    Only verified, unflagged, single-approver requests whose process type, issuer and
    every category *as asked* fall inside the class qualify.
    """

    process_types: frozenset[ProcessType] = SUBPOENA_TYPES
    issuer_kinds: frozenset[IssuerKind] = frozenset(
        {IssuerKind.FEDERAL, IssuerKind.STATE, IssuerKind.LOCAL}
    )
    categories: frozenset[DataCategory] = BASIC_SUBSCRIBER_INFO
    in_jurisdiction_only: bool = True
    max_targets: Annotated[int, Meta(ge=1)] = 10


# The deadline settings' defaults are ``Timing``'s: one place says what they are.
_DEADLINES = Timing()


class Policy(msgspec.Struct, frozen=True, kw_only=True):
    # The provider's headquarters and records custodian are in Raleigh, North Carolina
    # (issue 11): its own state's process is in jurisdiction. A deployment elsewhere sets it.
    domicile_state: UsState = "US-NC"
    state_process: dict[UsState, StateProcessRule] = {}
    out_of_state_default: StateProcessRule = StateProcessRule()
    auto_approval: tuple[AutoApprovalClass, ...] = (AutoApprovalClass(),)
    overbreadth_limit_days: Positive = 366
    civil_objection_window_days: Positive = 14
    warrant_execution_days: Positive = 14  # Fed. R. Crim. P. 41(e)(2)(A)(i)
    cloud_act_countries: frozenset[Country] = frozenset({"GB", "AU"})
    customer_notice_by_default: bool = True
    seek_reimbursement: bool = False  # ask agencies for §2706 costs even unasked
    voluminous_target_days: Positive = 3660  # targets x days above which §2706(c) may not exempt
    # Deadlines, carried into each workflow's history as its ``Timing`` (see ``timing``).
    emergency_sla_minutes: Positive = _DEADLINES.emergency_sla_minutes
    escalation_lead_days: Positive = _DEADLINES.escalation_lead_days
    clarification_timeout_days: Positive = _DEADLINES.clarification_timeout_days
    preservation_days: Positive = _DEADLINES.preservation_days
    preservation_extension_days: Positive = _DEADLINES.preservation_extension_days
    max_preservation_extensions: Annotated[int, Meta(ge=0)] = _DEADLINES.max_preservation_extensions
    preservation_reminder_days: Positive = _DEADLINES.preservation_reminder_days
    # Follow-up legal process after an emergency disclosure: provider policy modelled on
    # industry practice (docs/legal-rules.md), not a statute; §2702(c)(4) requires none.
    emergency_follow_up_days: Positive = _DEADLINES.emergency_follow_up_days
    emergency_follow_up_reminder_days: Positive = _DEADLINES.emergency_follow_up_reminder_days
    # Whole refusals always wait for a person (issue 11); pure redirects (MLAT, a foreign
    # litigant to §1782, domestication, a reseller's numbers) end by rule when this is true,
    # shown in the queue as "redirected by rule", and wait for a person like refusals when false.
    automatic_redirects: bool = True

    def state_rule(self, state: str) -> StateProcessRule:
        return self.state_process.get(state, self.out_of_state_default)


def timing(policy: Policy) -> Timing:
    """The deadline settings the workflow fixes in its history when it assesses a request:
    every ``Timing`` field, read from the policy setting of the same name."""
    return Timing(**{name: getattr(policy, name) for name in Timing.__struct_fields__})


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy in the JSON file at ``path``; the defaults when ``path`` is None."""
    if path is None:
        return Policy()
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc}") from exc
    return parse_policy(raw, source=str(path))


def parse_policy(raw: bytes | str, *, source: str = "policy") -> Policy:
    try:
        document = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise PolicyError(f"{source}: not JSON: {exc}") from exc
    _reject_unknown_keys(document, Policy, source)
    try:
        return msgspec.convert(document, Policy)
    except msgspec.ValidationError as exc:
        raise PolicyError(f"{source}: {exc}") from exc


_NESTED: dict[str, type[msgspec.Struct]] = {
    "out_of_state_default": StateProcessRule,
}


def _reject_unknown_keys(document: Any, struct: type[msgspec.Struct], source: str) -> None:
    if not isinstance(document, dict):
        raise PolicyError(f"{source}: expected a JSON object")
    unknown = sorted(set(document) - set(struct.__struct_fields__))
    if unknown:
        raise PolicyError(f"{source}: unknown setting(s) {', '.join(unknown)}")
    if struct is not Policy:
        return
    for key, nested in _NESTED.items():
        if key in document:
            _reject_unknown_keys(document[key], nested, f"{source}.{key}")
    for state, rule in (document.get("state_process") or {}).items():
        _reject_unknown_keys(rule, StateProcessRule, f"{source}.state_process.{state}")
    for index, cls in enumerate(document.get("auto_approval") or []):
        _reject_unknown_keys(cls, AutoApprovalClass, f"{source}.auto_approval[{index}]")
