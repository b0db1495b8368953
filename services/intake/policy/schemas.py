"""The simulator's HTTP bodies. The candidate policy arrives as raw JSON and is read by
``services.decisions.policy.parse_policy`` itself, so an unknown or misspelt setting is
refused here exactly as it would be in the policy file."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from services.decisions.simulation import SimulationReport


class PolicySimulationIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    policy: Annotated[
        dict[str, Any],
        Meta(
            description="The candidate policy, in the policy file's format (WRIT_POLICY_FILE);"
            " settings left out keep their defaults"
        ),
    ]
    since: Annotated[
        dt.date | None,
        Meta(description="Replay only requests received on or after this day (all when absent)"),
    ] = None


class PolicySimulationOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    requested_by: str
    created_at: dt.datetime
    report: SimulationReport
