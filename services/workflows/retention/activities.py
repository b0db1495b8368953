"""Activities of ``RetentionWorkflow``: reading what is due, purging it, sealing the audit
log, recording the run. Each is idempotent: a retry finds what an earlier attempt did
(objects already gone, rows already deleted, the run already recorded) and does the rest."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio import activity

from contracts.retention import (
    AuditSealOutcome,
    AuditSealRequest,
    PlanRequest,
    PurgePlan,
    RequestPurge,
    RequestPurgeBatch,
    RequestPurgeOutcome,
    RequestPurgeResults,
    RetentionClass,
    RetentionReport,
)
from services.carrier.collector import collection_prefix
from services.delivery.keys import production_prefix
from services.platform.settings import Settings
from services.register import retention as register
from services.retention.classes import retention_policy
from services.retention.due import audit_segment, plan_purge
from services.retention.objects import ObjectPurge, purge_key, purge_prefix

# Requests purged per run at most: the plan travels through workflow history, which must
# stay small; what is left is due on the next run too.
PLAN_LIMIT = 1000


class RetentionActivities:
    def __init__(self, settings: Settings, engine: AsyncEngine, s3: Any) -> None:
        self.settings = settings
        self.engine = engine
        self.s3 = s3
        self.policy = retention_policy(settings)

    def all(self) -> list[Callable]:
        return [self.plan_purge, self.purge_requests, self.seal_audit_log, self.record_run]

    @activity.defn(name="retention_plan_purge")
    async def plan_purge(self, request: PlanRequest) -> PurgePlan:
        shortest = min(
            self.policy.period(c)
            for c in (
                RetentionClass.COLLECTIONS,
                RetentionClass.DOCUMENTS,
                RetentionClass.PRODUCTIONS,
                RetentionClass.DISCLOSURE_LOG,
                RetentionClass.CASE_RECORDS,
            )
        )
        # Nothing of a request closed more recently than the shortest period can be due.
        facts = await register.closed_request_facts(self.engine, request.now - shortest)
        holds = await register.active_holds(self.engine)
        plan = plan_purge(facts, holds, self.policy, request.now)
        if len(plan.requests) <= PLAN_LIMIT:
            return plan
        return msgspec.structs.replace(
            plan, requests=plan.requests[:PLAN_LIMIT], deferred=len(plan.requests) - PLAN_LIMIT
        )

    @activity.defn(name="retention_purge_requests")
    async def purge_requests(self, batch: RequestPurgeBatch) -> RequestPurgeResults:
        outcomes = []
        for purge in batch.purges:
            outcomes.append(await self._purge_request(purge, batch.now))
            activity.heartbeat(purge.request_id)
        return RequestPurgeResults(outcomes=outcomes)

    async def _purge_request(self, purge: RequestPurge, now: dt.datetime) -> RequestPurgeOutcome:
        objects = await register.request_objects(self.engine, purge.request_id)
        if objects is None:
            return RequestPurgeOutcome(request_id=purge.request_id)  # purged by an earlier try
        purged: list[RetentionClass] = []
        locked: list[RetentionClass] = []
        waiting: list[RetentionClass] = []
        deleted = versions_locked = 0
        for retention_class in purge.classes:
            if retention_class is RetentionClass.CASE_RECORDS:
                # The case record outlives what belongs to it: while a locked production
                # remains, the record that names it stays.
                (waiting if locked else purged).append(retention_class)
                continue
            result = await asyncio.to_thread(self._purge_objects, retention_class, purge, objects)
            deleted += result.deleted
            versions_locked += result.locked
            (purged if result.complete else locked).append(retention_class)
        recorded = await register.record_request_purge(
            self.engine,
            purge.request_id,
            purged,
            document_key=None if objects["document_shared"] else objects["document_key"],
            objects_deleted=deleted,
            now=now,
        )
        return RequestPurgeOutcome(
            request_id=purge.request_id,
            purged=recorded,
            locked=locked,
            waiting=waiting + [c for c in purged if c not in recorded],
            objects_deleted=deleted,
            versions_locked=versions_locked,
        )

    def _purge_objects(
        self, retention_class: RetentionClass, purge: RequestPurge, objects: dict[str, Any]
    ) -> ObjectPurge:
        settings = self.settings
        if retention_class is RetentionClass.COLLECTIONS:
            return purge_prefix(
                self.s3, settings.documents_bucket, collection_prefix(purge.request_id)
            )
        if retention_class is RetentionClass.DOCUMENTS:
            if objects["document_shared"]:
                return ObjectPurge()  # another request still keeps the same signed document
            return purge_key(self.s3, settings.documents_bucket, objects["document_key"])
        if retention_class is RetentionClass.PRODUCTIONS:
            return purge_prefix(
                self.s3, settings.productions_bucket, production_prefix(purge.request_id)
            )
        return ObjectPurge()  # register rows only (the disclosure log)

    @activity.defn(name="retention_seal_audit_log")
    async def seal_audit_log(self, request: AuditSealRequest) -> AuditSealOutcome:
        events, on_register = await register.audit_events_to_consider(self.engine)
        segment = audit_segment(events, self.policy, request.now, on_register=on_register)
        if segment is None:
            return AuditSealOutcome()
        sealed = await register.seal_audit(self.engine, segment.through_seq, actor=request.actor)
        return AuditSealOutcome(
            events_sealed=sealed, first_seq=segment.first_seq, through_seq=segment.through_seq
        )

    @activity.defn(name="retention_record_run")
    async def record_run(self, report: RetentionReport) -> None:
        await register.record_run(self.engine, report)
