"""``RetentionWorkflow``: one purge run, started by the retention schedule.

Sequencing only: plan what is due (pure, in an activity, as it reads the register), purge
it a batch of requests at a time, seal the aged start of the audit log, record the run.
Nothing is an error for being locked or held: it is reported and left for a later run.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.retention import (
        AuditSealRequest,
        PlanRequest,
        RequestPurgeBatch,
        RequestPurgeOutcome,
        RetentionReport,
        RetentionRun,
    )
    from services.workflows.retention.activities import RetentionActivities

BATCH = 20
# Bounded: a run that keeps failing ends failed (and visible in the schedule's recent runs),
# so the next scheduled run is not skipped behind it (overlap policy SKIP).
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=5,
)


@workflow.defn(name="RetentionWorkflow")
class RetentionWorkflow:
    @workflow.run
    async def run(self, run: RetentionRun) -> RetentionReport:
        now = run.now or workflow.now()
        plan = await workflow.execute_activity_method(
            RetentionActivities.plan_purge,
            PlanRequest(now=now),
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RETRY,
        )
        outcomes: list[RequestPurgeOutcome] = []
        for start in range(0, len(plan.requests), BATCH):
            result = await workflow.execute_activity_method(
                RetentionActivities.purge_requests,
                RequestPurgeBatch(now=now, purges=plan.requests[start : start + BATCH]),
                start_to_close_timeout=timedelta(minutes=30),
                heartbeat_timeout=timedelta(minutes=5),
                retry_policy=RETRY,
            )
            outcomes.extend(result.outcomes)
        sealed = await workflow.execute_activity_method(
            RetentionActivities.seal_audit_log,
            AuditSealRequest(now=now),
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RETRY,
        )
        purged: dict[str, list[str]] = {}
        for outcome in outcomes:
            for retention_class in outcome.purged:
                purged.setdefault(retention_class.value, []).append(outcome.request_id)
        report = RetentionReport(
            run_id=workflow.info().run_id,
            now=now,
            purged=purged,
            locked=[o.request_id for o in outcomes if o.locked],
            held=[h.request_id for h in plan.held],
            deferred=plan.deferred,
            objects_deleted=sum(o.objects_deleted for o in outcomes),
            versions_locked=sum(o.versions_locked for o in outcomes),
            audit_events_sealed=sealed.events_sealed,
        )
        await workflow.execute_activity_method(
            RetentionActivities.record_run,
            report,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RETRY,
        )
        return report
