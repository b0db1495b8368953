"""The retention schedule: a Temporal schedule (not cron) that starts ``RetentionWorkflow``
every ``WRIT_RETENTION_EVERY_HOURS``. Created by ``writ up`` and by the deploy-time
``writ retention schedule`` Job; idempotent: an existing schedule is updated in place
(keeping an operator's pause), never duplicated."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Literal

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from contracts.retention import RetentionRun
from services.platform.settings import Settings
from services.workflows.retention.workflows import RetentionWorkflow

SCHEDULE_ID = "writ-retention"
WORKFLOW_ID = "writ-retention-purge"  # the schedule appends each run's start time


def retention_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run,
            RetentionRun(),
            id=WORKFLOW_ID,
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(hours=settings.retention_every_hours))]
        ),
        # A run still going when the next is due is not doubled; a missed run (cluster
        # down) is made up once within a day.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
        state=ScheduleState(note="Retention purge (docs/operations.md: Retention and legal holds)"),
    )


async def ensure_retention_schedule(
    client: Client, settings: Settings
) -> Literal["created", "updated"]:
    schedule = retention_schedule(settings)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
        return "created"
    except ScheduleAlreadyRunningError:
        pass

    def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
        return ScheduleUpdate(
            schedule=dataclasses.replace(schedule, state=current.description.schedule.state)
        )

    await client.get_schedule_handle(SCHEDULE_ID).update(update)
    return "updated"
