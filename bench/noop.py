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


@workflow.defn(name="BenchNoopHumanSteps")
class NoopHumanSteps:
    """The emergency baseline: ``steps`` no-op activities with ``human`` waits for a person
    spread among them, each ended by an update the script sends as soon as the query says
    the workflow waits — what the API's GET and POST do for the real workflow."""

    def __init__(self) -> None:
        self._waiting = False
        self._done = 0

    @workflow.run
    async def run(self, plan: list[int]) -> int:
        steps, human = plan
        every = max(1, steps // (human + 1))
        for step in range(steps):
            if step and step % every == 0 and self._done < human:
                wanted = self._done + 1
                self._waiting = True
                await workflow.wait_condition(lambda wanted=wanted: self._done >= wanted)
                self._waiting = False
            await workflow.execute_activity(
                noop_step, step, start_to_close_timeout=timedelta(seconds=60)
            )
        while self._done < human:  # fewer steps than waits: the rest at the end
            wanted = self._done + 1
            self._waiting = True
            await workflow.wait_condition(lambda wanted=wanted: self._done >= wanted)
            self._waiting = False
        return steps

    @workflow.query(name="bench_waiting")
    def waiting(self) -> bool:
        return self._waiting

    @workflow.update(name="bench_step_done")
    def step_done(self) -> int:
        self._done += 1
        return self._done
