"""Collection progress: what ``collect`` heartbeats, and what a retried attempt resumes from.

Each heartbeat carries everything finished so far (cumulative), because Temporal keeps
only the last heartbeat's details for the next attempt. It holds references only — S3
keys, row counts, digests — never records (docs/architecture.md §3). A progress made for a different
request or scope (its fingerprint differs) is ignored rather than trusted.
"""

from __future__ import annotations

import hashlib

import msgspec

from contracts.collection import CollectedFile, CollectionRequest, CollectionResult, TargetOutcome


class CompletedUnit(msgspec.Struct, frozen=True, kw_only=True):
    """One table read for one target, with the files it produced (one per category)."""

    target: int  # index into the request's de-duplicated targets
    table: str
    files: list[CollectedFile] = []


class CollectionProgress(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    fingerprint: str
    units: list[CompletedUnit] = []
    outcomes: list[TargetOutcome] = []  # one per finished target, in target order

    @classmethod
    def start(cls, request: CollectionRequest, resume: object | None) -> CollectionProgress:
        """Progress from the last heartbeat's details, or a fresh start."""
        fresh = cls(request_id=request.request_id, fingerprint=fingerprint(request))
        if resume is None:
            return fresh
        try:
            previous = (
                resume if isinstance(resume, cls) else msgspec.convert(resume, cls, strict=False)
            )
        except msgspec.ValidationError:
            return fresh  # not ours (an older format, another activity's details): redo the work
        if (previous.request_id, previous.fingerprint) != (fresh.request_id, fresh.fingerprint):
            return fresh
        return previous

    def unit(self, target: int, table: str) -> CompletedUnit | None:
        return next((u for u in self.units if u.target == target and u.table == table), None)

    def target_done(self, target: int) -> bool:
        return len(self.outcomes) > target

    def files_of(self, target: int) -> list[CollectedFile]:
        return [f for u in self.units if u.target == target for f in u.files]

    def with_unit(self, unit: CompletedUnit) -> CollectionProgress:
        return msgspec.structs.replace(self, units=[*self.units, unit])

    def with_outcome(self, outcome: TargetOutcome) -> CollectionProgress:
        return msgspec.structs.replace(self, outcomes=[*self.outcomes, outcome])

    def result(self) -> CollectionResult:
        ordered = sorted(self.units, key=lambda u: u.target)  # stable: table order kept
        return CollectionResult(
            request_id=self.request_id,
            files=[f for u in ordered for f in u.files],
            targets=list(self.outcomes),
        )


def fingerprint(request: CollectionRequest) -> str:
    return hashlib.sha256(msgspec.json.encode(request)).hexdigest()
