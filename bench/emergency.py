"""Emergency requests end to end against the same steps as no-op activities, side by side.

    .venv/bin/python bench/emergency.py [--requests 40] [--concurrency 4]

One run, one embedded stack (``writ up`` on free ports, a temporary data directory, the
policy's domicile set to North Carolina, abuse limits off):

1. one emergency request (a Raleigh PD call about a missing child, subscriber information
   and toll records of the demo lake's planted number) is run until its production package
   is ready, and the activities its history scheduled are counted;
2. **baseline** — this process runs a worker for ``BenchNoopHumanSteps``
   (``bench/noop.py``): that many no-op activities with the emergency's three human steps
   (the call-back, the reviewer's and legal's approvals) as updates this script sends the
   moment a query shows the workflow waiting;
3. **emergency** — a separate load-generator process (this script with ``--generate``)
   submits ``--requests`` emergencies through the API and does the human steps through
   the API the moment the request shows it waits for them (GET every ``--poll`` s): the
   call-back, then both approvals; done when the view says the production is available;
4. prints both, p50/p99 from submission to package ready (goal: p99 < 1 s), errors, and
   the RSS of the API and the worker after the load.

Loopback only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.embedded import AGENCY, EmbeddedStack, percentile  # noqa: E402
from bench.intake import PDF, _timed_pool, show, summary  # noqa: E402

HUMAN_STEPS = 3  # the call-back, the reviewer's approval, legal's approval
# Where an emergency's time goes, as the script sees it (each the median over the run).
PHASES = (
    "POST submission",
    "until call-back awaited",
    "POST /callback",
    "until review awaited",
    "POST first approval",
    "POST second approval",
    "until package ready",
)
NUMBER = "(919) 555-0100"


def emergency(case_number: str) -> dict:
    officer = AGENCY["officers"][0]
    return {
        "process_type": "emergency_request",
        "issuer": {"kind": "local", "name": "Raleigh Police Department", "jurisdiction": "US-NC"},
        "issued_on": "2026-11-02",
        "officer": {"name": officer["name"], "email": officer["email"]},
        "case_number": case_number,
        "targets": [{"kind": "telephone_number", "value": NUMBER}],
        "categories": ["subscriber_info", "toll_records"],
        "date_range": {"start": "2026-08-01", "end": "2026-10-31"},
        "emergency": {"nature_of_danger": "a missing child, believed to be in danger"},
    }


async def generate(
    api: str, tokens: dict[str, str], count: int, concurrency: int, poll: float, prefix: str
) -> dict:
    """Submit ``count`` emergencies and walk each through its human steps at once."""
    import httpx

    auth = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=api, timeout=60, limits=limits) as http:

        async def until(request_id: str, ready) -> dict:
            while True:
                response = await http.get(
                    f"/v1/legal-processes/{request_id}", headers=auth["agency"]
                )
                response.raise_for_status()
                view = response.json()
                if ready(view):
                    return view
                if view["status"] in ("rejected", "closed", "withdrawn", "redirected"):
                    if not ready(view):
                        raise RuntimeError(f"{request_id} ended {view['status']}")
                await asyncio.sleep(poll)

        async def act(request_id: str, path: str, role: str, body: dict) -> None:
            response = await http.post(
                f"/v1/legal-processes/{request_id}{path}", headers=auth[role], json=body
            )
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")

        phases: dict[str, list[float]] = {name: [] for name in PHASES}

        async def one(i: int) -> None:
            marks = [time.perf_counter()]

            def mark() -> None:
                marks.append(time.perf_counter())

            response = await http.post(
                "/v1/legal-processes",
                headers=auth["agency"],
                files={
                    "metadata": (None, json.dumps(emergency(f"{prefix}-{i}")), "application/json"),
                    "document": ("emergency.pdf", PDF, "application/pdf"),
                },
            )
            if response.status_code != 201:
                raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
            request_id = response.json()["id"]
            mark()
            await until(request_id, lambda v: v["awaiting"] == "verification")
            mark()
            await act(
                request_id, "/callback", "reviewer", {"number_called": AGENCY["callback_number"]}
            )
            mark()
            await until(request_id, lambda v: v["awaiting"] == "review")
            mark()
            approve = {"action": "approve"}
            await act(request_id, "/decisions", "reviewer", approve)
            mark()
            await act(request_id, "/decisions", "legal", approve)
            mark()
            await until(request_id, lambda v: v["production_available"])
            mark()
            for name, began, ended in zip(PHASES, marks[:-1], marks[1:], strict=True):
                phases[name].append(ended - began)

        seconds, latencies, errors = await _timed_pool(count, concurrency, one)
    result = summary("emergency to package", count, seconds, latencies, errors)
    result["phases_p50_ms"] = {
        name: round(percentile(values, 50) * 1000, 1) for name, values in phases.items()
    }
    return result


async def activities_to_package(address: str, request_id: str) -> int:
    """The activities (task-queue and local) the request's history ran up to and including
    ``deliver_production`` (which records the built package in the register first: from
    then on the view says ``production_available``)."""
    from temporalio.client import Client

    from bench.pipeline import activity_name

    client = await Client.connect(address)
    history = await client.get_workflow_handle(request_id).fetch_history()
    count = 0
    for event in history.events:
        name = activity_name(event)  # task-queue activities and local ones alike
        if name is not None:
            count += 1
            if name == "deliver_production":
                return count
    raise RuntimeError(f"{request_id} never scheduled deliver_production")


async def baseline(address: str, steps: int, count: int, concurrency: int, poll: float) -> dict:
    from temporalio.client import Client
    from temporalio.worker import Worker

    from bench.noop import NoopHumanSteps, noop_step
    from bench.pipeline import ACTIVITY_SLOTS

    client = await Client.connect(address)
    queue = f"bench-noop-human-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[NoopHumanSteps],
        activities=[noop_step],
        max_concurrent_activities=ACTIVITY_SLOTS,
    ):

        async def run(i: int) -> None:
            handle = await client.start_workflow(
                NoopHumanSteps.run,
                [steps, HUMAN_STEPS],
                id=f"bench-noop-human-{uuid.uuid4().hex}",
                task_queue=queue,
            )
            done = 0
            while done < HUMAN_STEPS:
                if await handle.query(NoopHumanSteps.waiting):
                    done = await handle.execute_update(NoopHumanSteps.step_done)
                else:
                    await asyncio.sleep(poll)
            await handle.result()

        seconds, latencies, errors = await _timed_pool(count, concurrency, run)
    return summary(f"no-op x{steps} + {HUMAN_STEPS} updates", count, seconds, latencies, errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--poll", type=float, default=0.025, help="seconds between looks")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--tokens", help=argparse.SUPPRESS)
    parser.add_argument("--case-prefix", default="", help=argparse.SUPPRESS)
    parser.add_argument("--environment", default="{}", help="extra WRIT_* variables, JSON")
    args = parser.parse_args()

    if args.generate:
        result = asyncio.run(
            generate(
                args.api,
                json.loads(args.tokens),
                args.requests,
                args.concurrency,
                args.poll,
                args.case_prefix or f"EMERG-{uuid.uuid4().hex[:8]}",
            )
        )
        print(json.dumps(result))
        return 0

    policy_dir = tempfile.TemporaryDirectory(prefix="writ-bench-policy-")
    policy = Path(policy_dir.name) / "policy.json"
    policy.write_text(json.dumps({"domicile_state": "US-NC"}))
    environment = {"WRIT_POLICY_FILE": str(policy)} | json.loads(args.environment)
    with EmbeddedStack(environment=environment) as stack:
        stack.register_agency()
        tokens = {
            "agency": stack.token("agency", AGENCY["officers"][0]["email"], agency_id=AGENCY["id"]),
            "reviewer": stack.token("reviewer", "alice"),
            "legal": stack.token("legal", "carol"),
        }
        generator = [sys.executable, __file__, "--generate", "--api", stack.api]
        generator += ["--tokens", json.dumps(tokens), "--poll", str(args.poll)]

        probe = f"EMERG-probe-{uuid.uuid4().hex[:6]}"
        subprocess.run(
            [*generator, "--requests", "1", "--concurrency", "1", "--case-prefix", probe],
            check=True,
            capture_output=True,
        )
        with sqlite3.connect(f"file:{stack.data_dir / 'register.db'}?mode=ro", uri=True) as db:
            (request_id,) = db.execute(
                "SELECT id FROM legal_processes WHERE case_number LIKE ?", (f"{probe}%",)
            ).fetchone()
        steps = asyncio.run(activities_to_package(stack.temporal_address, request_id))
        print(f"one emergency request ran {steps} activities to its package")

        base = asyncio.run(
            baseline(stack.temporal_address, steps, args.requests, args.concurrency, args.poll)
        )
        run = subprocess.run(
            [*generator, "--requests", str(args.requests), "--concurrency", str(args.concurrency)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(run.stdout.strip().splitlines()[-1])
        rss = stack.rss_mib()
    policy_dir.cleanup()

    print(f"\nconcurrency {args.concurrency}, {args.requests} each, poll {args.poll} s, loopback")
    show(base)
    show(result)
    print(f"{'where the time went':>22}: (p50 of each phase, as the script saw it)")
    for name, ms in result["phases_p50_ms"].items():
        print(f"{name:>34} {ms:8.1f} ms")
    met = "met" if result["p99_ms"] < 1000 and not result["errors"] else "not met"
    print(f"{'goal p99 < 1 s':>22}: {met} (p99 {result['p99_ms']} ms)")
    print(f"{'RSS after load':>22}: " + ", ".join(f"{k} {v} MiB" for k, v in sorted(rss.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
