"""The pipeline baseline: a workflow that runs N activities doing nothing, one after
another, as ``LegalProcessWorkflow`` runs its steps. Kept in a module of its own, because
Temporal's sandbox refuses workflows defined in a script's ``__main__``."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="bench_noop_step")
async def noop_step(step: int) -> int:
    return step


@workflow.defn(name="BenchNoopSteps")
class NoopSteps:
    @workflow.run
    async def run(self, steps: int) -> int:
        for step in range(steps):
            await workflow.execute_activity(
                noop_step, step, start_to_close_timeout=timedelta(seconds=60)
            )
        return steps
