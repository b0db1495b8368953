"""The policy simulator's report and HTTP bodies (docs/policy.md): which recorded requests'
disposition, allowed categories, human review or auto-approval a candidate policy changes.

The candidate policy arrives as raw JSON and is read by the policy file loader itself
(``services.decisions.policy.parse_policy``), so an unknown or misspelt setting is refused
exactly as it would be in the policy file.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from contracts.enums import DataCategory


class NotReplayable(msgspec.Struct, frozen=True, kw_only=True):
    """A request the simulator cannot replay exactly, and why (it is never guessed at)."""

    request_id: str
    reason: str


class DeterminationOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What the simulator compares of one determination."""

    disposition: str
    allowed_categories: list[DataCategory]
    human_review: bool  # the determination asks for a person
    auto_approval: bool  # the workflow would approve it without one


class RequestChange(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    changed: list[str]  # the compared fields that differ, in ``COMPARED`` order
    before: DeterminationOutcome
    after: DeterminationOutcome
    api: str  # /v1/legal-processes/{id}
    ui: str  # /ui/requests/{id}


class SimulationReport(msgspec.Struct, frozen=True, kw_only=True):
    candidate_sha256: str
    since: dt.date | None = None
    considered: int = 0  # requests in the register for the window
    replayed: int = 0
    changed: int = 0
    unchanged: int = 0
    # "disposition: proceed -> redirect", "auto_approval: true -> false", ... -> requests
    counts: dict[str, int] = {}
    changes: list[RequestChange] = []
    not_replayable: list[NotReplayable] = []
    # Replayed with the recorded policy, the engine of today disagrees with the recorded
    # determination (the engine changed since): the before column is today's engine.
    drifted: list[str] = []


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
