"""Where an emergency's time goes, from its workflow history (issue 12).

    .venv/bin/python bench/histories.py [--requests 10]

Starts its own stack (as ``bench/emergency.py`` does), walks ``--requests`` emergencies one
at a time through their human steps with ``bench/emergency.py``'s load generator, then
reads each request's history up to ``deliver_production`` and prints the medians: time in
the workflow-task queue and in workflow tasks (local activities run inside them), each
activity's run time, the counts of workflow tasks and local activities, and the events of
the whole history. Run
it on two checkouts at the same moment to compare them under the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.embedded import AGENCY, EmbeddedStack  # noqa: E402
from bench.pipeline import LOCAL_ACTIVITY_MARKER  # noqa: E402


async def breakdown(address: str, request_ids: list[str]) -> dict[str, list[float]]:
    from temporalio.api.enums.v1 import EventType as E
    from temporalio.client import Client

    client = await Client.connect(address)
    totals: dict[str, list[float]] = collections.defaultdict(list)
    for request_id in request_ids:
        history = await client.get_workflow_handle(request_id).fetch_history()
        events = history.events

        def at(event) -> float:
            return event.event_time.ToDatetime().timestamp()

        per: dict[str, float] = collections.Counter()
        scheduled: dict[int, tuple[str, float]] = {}
        task_scheduled = task_started = at(events[0])
        end = at(events[-1])
        for event in events:
            kind = event.event_type
            if kind == E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
                task_scheduled = at(event)
            elif kind == E.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                task_started = at(event)
                per["s in the workflow-task queue"] += task_started - task_scheduled
            elif kind == E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                per["s in workflow tasks"] += at(event) - task_started
                per["workflow tasks"] += 1
            elif kind == E.EVENT_TYPE_MARKER_RECORDED:
                if event.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER:
                    per["local activities"] += 1
            elif kind == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                name = event.activity_task_scheduled_event_attributes.activity_type.name
                scheduled[event.event_id] = (name, at(event))
            elif kind == E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                attributes = event.activity_task_completed_event_attributes
                name, began = scheduled[attributes.scheduled_event_id]
                per[f"s activity {name} (scheduled to completed)"] += at(event) - began
                if name == "deliver_production":
                    end = at(event)
                    break
        per["s from start to deliver_production"] = end - at(events[0])
        per["events (the whole history)"] = len(events)
        for name, value in per.items():
            totals[name].append(value)
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    policy_dir = tempfile.TemporaryDirectory(prefix="writ-bench-policy-")
    policy = Path(policy_dir.name) / "policy.json"
    policy.write_text(json.dumps({"domicile_state": "US-NC"}))
    with EmbeddedStack(environment={"WRIT_POLICY_FILE": str(policy)}) as stack:
        stack.register_agency()
        tokens = {
            "agency": stack.token("agency", AGENCY["officers"][0]["email"], agency_id=AGENCY["id"]),
            "reviewer": stack.token("reviewer", "alice"),
            "legal": stack.token("legal", "carol"),
        }
        prefix = f"HIST-{uuid.uuid4().hex[:6]}"
        generator = [sys.executable, str(Path(__file__).with_name("emergency.py")), "--generate"]
        generator += ["--api", stack.api, "--tokens", json.dumps(tokens)]
        for requests, case_prefix in ((2, f"{prefix}w"), (args.requests, prefix)):
            run = subprocess.run(
                [*generator, "--requests", str(requests), "--concurrency", "1"]
                + ["--case-prefix", case_prefix],
                check=True,
                capture_output=True,
                text=True,
            )
        print(run.stdout.strip().splitlines()[-1])
        register = f"file:{stack.data_dir / 'register.db'}?mode=ro"
        with sqlite3.connect(register, uri=True) as db:
            ids = [
                row[0]
                for row in db.execute(
                    "SELECT id FROM legal_processes WHERE case_number LIKE ?", (f"{prefix}-%",)
                )
            ]
        totals = asyncio.run(breakdown(stack.temporal_address, ids))
    policy_dir.cleanup()
    for name in sorted(totals):
        print(f"{name:>58}: median {statistics.median(totals[name]):8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
