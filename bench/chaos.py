"""Exactly-once under crashes: mixed requests while the worker and the API are SIGKILLed.

    .venv/bin/python bench/chaos.py [--requests 300] [--kills 10] [--timeout 1500]

One run, one embedded stack (``writ up`` on free ports, a temporary data directory, the
policy's domicile set to North Carolina so the Raleigh subpoenas are auto-approvable, and
the abuse limits raised so the load is not refused). Loopback only; bounded in count
(``--requests``, ``--kills``) and in time (``--timeout`` for the whole run):

1. registers an agency with a webhook to a receiver in this process;
2. submits ``--requests`` requests, ``--concurrency`` at a time, in a fixed mix:
   auto-approved subpoenas; §2703(d) orders approved by this script; emergencies with the
   call-back and two approvals (reviewer, then legal); preservations extended once;
   orders withdrawn while in review; orders under an indefinite non-disclosure order.
   Every call is retried through crashes: submissions with an ``Idempotency-Key``,
   decisions by re-reading the request first (a refused repeat means it landed);
3. meanwhile SIGKILLs the worker or the API (``writ up`` restarts them) at random moments,
   ``--kills`` times, never more than ``writ up``'s restart budget allows;
4. waits for every request to reach its expected end state, and then for every workflow
   of the run (the requests', their billing and follow-up workflows) to have completed or
   to wait with nothing in flight (no activity pending or retrying, no workflow task), so
   no check races a write still on its way;
5. checks and prints: requests in their expected state, lost, views that disagree with
   the register, duplicated register rows, deliveries per request (disclosure rows,
   production archives, webhook deliveries by ``Writ-Delivery-Id``, officer mails by
   Message-ID), customer notices per request, outbox sends with attempts > 1 (a send
   whose outcome a crash hid, repeated with the same id), the activities Temporal retried
   (and the workflow tasks lost with a killed worker), and ``writ audit verify`` (the chain
   and its signed checkpoints).

Exit status 0 only when every check holds.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.embedded import AGENCY, EmbeddedStack  # noqa: E402
from bench.intake import PDF  # noqa: E402
from services.workflows.billing.workflows import billing_workflow_id  # noqa: E402
from services.workflows.legal_process.follow_up import follow_up_workflow_id  # noqa: E402

OFFICER = AGENCY["officers"][0]
NUMBER = "(919) 555-0100"  # the demo lake's planted subscriber
# kind -> the status it must end in
EXPECTED = {
    "subpoena": "closed",
    "order": "closed",
    "emergency": "closed",
    "preservation": "extended",
    "withdrawal": "withdrawn",
    "ndo": "closed",
}
PRODUCED = {"subpoena", "order", "emergency", "ndo"}
MIX = ["subpoena"] * 4 + ["order"] * 2 + ["emergency", "preservation", "withdrawal", "ndo"]
# writ up's restart budget (services/stack/stack.py RestartBudget): per child, at most 5
# restarts in 10 minutes; the killer stays within it.
RESTART_LIMIT, RESTART_WINDOW = 5, 600.0
RETRYABLE = {429, 500, 502, 503, 504}


def body_for(kind: str, case_number: str) -> dict:
    base = {
        "issuer": {"kind": "state", "name": "Wake County Superior Court", "jurisdiction": "US-NC"},
        "issued_on": "2026-11-02",
        "officer": {"name": OFFICER["name"], "email": OFFICER["email"]},
        "case_number": case_number,
        "targets": [{"kind": "telephone_number", "value": NUMBER}],
        "date_range": {"start": "2026-08-01", "end": "2026-10-31"},
    }
    if kind == "subpoena":
        return {**base, "process_type": "subpoena", "categories": ["subscriber_info"]}
    if kind in ("order", "withdrawal", "ndo"):
        body = {
            **base,
            "process_type": "court_order_2703d",
            "categories": ["subscriber_info", "toll_records"],
        }
        if kind == "ndo":
            body["non_disclosure_order"] = {"authority": "Wake County Superior Court"}
        return body
    if kind == "emergency":
        return {
            **base,
            "process_type": "emergency_request",
            "issuer": {
                "kind": "local",
                "name": "Raleigh Police Department",
                "jurisdiction": "US-NC",
            },
            "categories": ["subscriber_info", "toll_records"],
            "emergency": {"nature_of_danger": "a missing child, believed to be in danger"},
        }
    if kind == "preservation":
        return {
            **base,
            "process_type": "preservation_request",
            "categories": ["subscriber_info", "toll_records"],
        }
    raise ValueError(kind)


# -- the agency's webhook endpoint --------------------------------------------------------


class Receiver:
    def __init__(self) -> None:
        self.deliveries: dict[str, collections.Counter] = collections.defaultdict(
            collections.Counter
        )  # request id -> Writ-Delivery-Id -> acknowledged posts
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    request_id = json.loads(body).get("request_id", "?")
                except ValueError:
                    request_id = "?"
                receiver.deliveries[request_id][self.headers.get("Writ-Delivery-Id", "")] += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/writ/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


# -- the client side: every call survives a crash ------------------------------------------


@dataclass
class Case:
    index: int
    kind: str
    case_number: str
    request_id: str = ""
    acknowledged: bool = False
    status: str = ""
    errors: list[str] = field(default_factory=list)


class Client:
    def __init__(self, stack: EmbeddedStack, deadline: float) -> None:
        self.stack = stack
        self.deadline = deadline
        self.http = httpx.AsyncClient(base_url=stack.api, timeout=30)
        self.agency = {
            "Authorization": "Bearer "
            + stack.token("agency", OFFICER["email"], agency_id=AGENCY["id"])
        }
        self.reviewer = {"Authorization": "Bearer " + stack.token("reviewer", "alice")}
        self.legal = {"Authorization": "Bearer " + stack.token("legal", "carol")}
        self.retries = 0

    async def call(self, method: str, path: str, headers: dict, **kwargs) -> httpx.Response:
        """Retry through a dead API (connection refused, reset) and 5xx/429 answers."""
        delay = 0.5
        while True:
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"{method} {path}: out of time")
            try:
                response = await self.http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code not in RETRYABLE:
                return response
            self.retries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def submit(self, case: Case) -> None:
        metadata = json.dumps(body_for(case.kind, case.case_number))
        response = await self.call(
            "POST",
            "/v1/legal-processes",
            {**self.agency, "Idempotency-Key": case.case_number},
            files={
                "metadata": (None, metadata, "application/json"),
                "document": ("process.pdf", PDF, "application/pdf"),
            },
        )
        if response.status_code not in (200, 201):
            raise RuntimeError(f"submission refused: {response.status_code} {response.text}")
        case.request_id = response.json()["id"]
        case.acknowledged = True

    async def view(self, case: Case) -> dict:
        response = await self.call("GET", f"/v1/legal-processes/{case.request_id}", self.agency)
        response.raise_for_status()
        return response.json()

    async def wait_until(self, case: Case, ready, poll: float = 0.5) -> dict:
        while True:
            state = await self.view(case)
            case.status = state["status"]
            if ready(state):
                return state
            await asyncio.sleep(poll)

    async def act(self, case: Case, path: str, headers: dict, body: dict | None, done) -> None:
        """Send an update; a crash may hide whether it landed, so after a failed attempt or
        a refusal ``done(client, case)`` (what the request shows) decides, not the answer."""
        while True:
            try:
                response = await self.http.post(
                    f"/v1/legal-processes/{case.request_id}{path}",
                    headers=headers,
                    json=body or {},
                )
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 200:
                return
            if await done(self, case):
                return
            if response is not None and response.status_code not in RETRYABLE:
                # Refused, and not visibly done: the update may still be landing (the API
                # died after the workflow took it). Look again before sending it once more.
                await asyncio.sleep(1)
                if await done(self, case):
                    return
                case.errors.append(f"{path}: {response.status_code} {response.text[:200]}")
            self.retries += 1
            await asyncio.sleep(1)
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"{path}: out of time ({case.errors[-1:]})")

    async def approvals_of(self, case: Case) -> list[str]:
        response = await self.call(
            "GET", f"/v1/legal-processes/{case.request_id}/audit", self.reviewer
        )
        response.raise_for_status()
        return [e["actor"] for e in response.json() if e["action"].startswith("approval:")]


def awaiting(kind: str):
    return lambda s: s.get("awaiting") == kind


def status_shows(ready):
    async def done(client: Client, case: Case) -> bool:
        return ready(await client.view(case))

    return done


def approved_by(who: str):
    """The first of two approvals changes no status: its audit event says it landed."""

    async def done(client: Client, case: Case) -> bool:
        return who in await client.approvals_of(case)

    return done


def past(*statuses: str):
    return status_shows(lambda s: s["status"] not in statuses)


async def run_case(client: Client, case: Case) -> None:
    await client.submit(case)
    kind = case.kind
    approve = {"action": "approve"}
    if kind in ("order", "ndo"):
        await client.wait_until(case, awaiting("review"))
        await client.act(case, "/decisions", client.reviewer, approve, past("in_review"))
    elif kind == "emergency":
        await client.wait_until(case, awaiting("verification"))
        callback = {"number_called": AGENCY["callback_number"]}
        await client.act(case, "/callback", client.reviewer, callback, past("verifying"))
        await client.wait_until(case, awaiting("review"))
        await client.act(case, "/decisions", client.reviewer, approve, approved_by("alice"))
        await client.act(case, "/decisions", client.legal, approve, past("in_review"))
    elif kind == "preservation":
        await client.wait_until(case, lambda s: s["status"] == "preserved")
        extended = status_shows(lambda s: s["status"] == "extended")
        await client.act(case, "/extensions", client.agency, None, extended)
    elif kind == "withdrawal":
        await client.wait_until(case, awaiting("review"))
        withdrawn = status_shows(lambda s: s["status"] == "withdrawn")
        reason = {"reason": "the case was closed"}
        await client.act(case, "/withdraw", client.agency, reason, withdrawn)
    expected = EXPECTED[kind]
    await client.wait_until(case, lambda s: s["status"] == expected, poll=1.0)


# -- the chaos -----------------------------------------------------------------------------


async def killer(stack: EmbeddedStack, kills: int, rng: random.Random, stop: asyncio.Event):
    """SIGKILL the worker or the API at random moments; wait for each to be back."""
    done: list[tuple[float, str, int]] = []
    history: dict[str, list[float]] = {"api": [], "worker": []}
    began = time.monotonic()
    while len(done) < kills and not stop.is_set():
        await asyncio.sleep(rng.uniform(3.0, 12.0))
        now = time.monotonic()
        allowed = [
            name
            for name, times in history.items()
            if len([t for t in times if now - t < RESTART_WINDOW]) < RESTART_LIMIT
        ]
        if not allowed:
            continue
        name = rng.choice(allowed)
        pid = stack.child_pids()[name]
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        history[name].append(now)
        done.append((round(now - began, 1), name, pid))
        print(f"chaos: SIGKILL {name} (pid {pid}) at {now - began:.1f} s", flush=True)
        # Back means writ up restarted it, saw it ready and wrote its new pid.
        while not stop.is_set():
            await asyncio.sleep(1)
            try:
                if stack.child_pids()[name] != pid:
                    break
            except (OSError, ValueError, KeyError):
                pass
    return done


async def drive(stack: EmbeddedStack, cases: list[Case], args, rng: random.Random) -> dict:
    deadline = time.monotonic() + args.timeout
    client = Client(stack, deadline)
    stop = asyncio.Event()
    chaos = asyncio.create_task(killer(stack, args.kills, rng, stop))
    queue = iter(cases)
    failures: list[str] = []

    async def lane() -> None:
        for case in queue:
            try:
                await run_case(client, case)
            except Exception as exc:  # counted and reported, the run goes on
                failures.append(f"{case.case_number} ({case.kind}): {type(exc).__name__}: {exc}")

    began = time.monotonic()
    await asyncio.gather(*(lane() for _ in range(args.concurrency)))
    seconds = time.monotonic() - began
    # Every kill happens while requests are in flight; if they finished first, the rest
    # of the kills are not made up afterwards.
    stop.set()
    kills = await chaos
    request_ids = [c.request_id for c in cases if c.request_id]
    settled = await settle(stack, request_ids, deadline)
    views = await views_of(client, cases)
    await client.http.aclose()
    return {
        "seconds": seconds,
        "kills": kills,
        "failures": failures,
        "retries": client.retries,
        "settled": settled,
        "views": views,
    }


# -- the end of the run: nothing in flight -------------------------------------------------


def _settled(description) -> bool:
    """Completed, or waiting (a timer, an update, a child) with no activity pending or
    retrying and no workflow task to run."""
    from temporalio.client import WorkflowExecutionStatus

    raw = description.raw_description
    return description.status is not WorkflowExecutionStatus.RUNNING or not (
        raw.pending_activities or raw.HasField("pending_workflow_task")
    )


async def settle(stack: EmbeddedStack, request_ids: list[str], deadline: float) -> dict:
    """Wait until every workflow of the run has settled (``_settled``): the requests' own
    first, then the billing and follow-up workflows they start (one that does not exist
    once its request's workflow has settled was never started). Then read their histories
    for the activities Temporal retried. Belt and braces: the state query already reports
    only what the register holds."""
    from temporalio.client import Client
    from temporalio.service import RPCError, RPCStatusCode

    temporal = await Client.connect(stack.temporal_address, namespace="default")
    began = time.monotonic()
    waited: set[str] = set()
    while True:
        unsettled: list[str] = []
        for group in (
            request_ids,
            [billing_workflow_id(r) for r in request_ids]
            + [follow_up_workflow_id(r) for r in request_ids],
        ):
            for workflow_id in group:
                try:
                    description = await temporal.get_workflow_handle(workflow_id).describe()
                except RPCError as exc:
                    if exc.status is RPCStatusCode.NOT_FOUND:
                        continue
                    unsettled.append(workflow_id)
                    continue
                if not _settled(description):
                    unsettled.append(workflow_id)
        if not unsettled:
            break
        waited.update(unsettled)
        if time.monotonic() > deadline:
            return {"settled": False, "unsettled": unsettled[:10], "waited for": len(waited)}
        await asyncio.sleep(1)
    seconds = time.monotonic() - began
    return {
        "settled": True,
        "seconds": round(seconds, 1),
        "waited for": len(waited),
        "activities": await activity_attempts(temporal, request_ids),
    }


LOCAL_ACTIVITY_MARKER = "core_local_activity"  # the SDK core's marker of a local activity


async def activity_attempts(temporal, request_ids: list[str]) -> dict:
    """From the requests' histories: per activity type, how many calls and how many
    Temporal ran more than once (a worker killed mid-attempt, or an attempt that failed),
    and for task-queue activities the slowest attempt that completed (the history keeps the
    last attempt's start). Local activities (``record_status`` since issue 12) are their
    markers, ``name (local)``: a worker killed during one loses its workflow task, which
    times out and the next worker runs it again, so those kills are counted as workflow
    tasks timed out."""
    from temporalio.api.enums.v1 import EventType

    calls: collections.Counter = collections.Counter()
    retried: collections.Counter = collections.Counter()
    slowest: dict[str, float] = collections.defaultdict(float)
    longest: dict[str, float] = collections.defaultdict(float)  # scheduled -> completed
    timed_out = 0
    for request_id in request_ids:
        history = await temporal.get_workflow_handle(request_id).fetch_history()
        scheduled, started = {}, {}
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
                timed_out += 1
            elif event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
                marker = event.marker_recorded_event_attributes
                if marker.marker_name != LOCAL_ACTIVITY_MARKER:
                    continue
                data = json.loads(marker.details["data"].payloads[0].data)
                name = f"{data['activity_type']} (local)"
                calls[name] += 1
                if data.get("attempt", 1) > 1:
                    retried[name] += 1
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                name = event.activity_task_scheduled_event_attributes.activity_type.name
                scheduled[event.event_id] = (name, event.event_time.ToDatetime())
                calls[name] += 1
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                attributes = event.activity_task_started_event_attributes
                started[event.event_id] = event.event_time.ToDatetime()
                name = scheduled[attributes.scheduled_event_id][0]
                if attributes.attempt > 1:
                    retried[name] += 1
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                attributes = event.activity_task_completed_event_attributes
                name, at = scheduled[attributes.scheduled_event_id]
                done = event.event_time.ToDatetime()
                attempt = (done - started[attributes.started_event_id]).total_seconds()
                slowest[name] = max(slowest[name], attempt)
                longest[name] = max(longest[name], (done - at).total_seconds())
    by_type = {
        name: {"calls": calls[name], "retried": retried[name]}
        | (
            {
                "slowest attempt s": round(slowest[name], 2),
                "longest scheduled-to-done s": round(longest[name], 1),
            }
            if name in slowest
            else {}
        )
        for name in sorted(calls)
    }
    return {"by type": by_type, "workflow tasks timed out": timed_out}


async def views_of(client: Client, cases: list[Case]) -> dict[str, str]:
    """Each request's status as its view tells it (the workflow's state query)."""
    gate = asyncio.Semaphore(8)

    async def one(case: Case) -> tuple[str, str]:
        async with gate:
            return case.case_number, (await client.view(case))["status"]

    return dict(await asyncio.gather(*(one(c) for c in cases if c.request_id)))


# -- the checks ----------------------------------------------------------------------------


def count_rows(register: Path, prefix: str) -> dict:
    with sqlite3.connect(f"file:{register}?mode=ro", uri=True, timeout=30) as db:
        rows = db.execute(
            "SELECT id, case_number, status FROM legal_processes WHERE case_number LIKE ?",
            (f"{prefix}%",),
        ).fetchall()
        by_case = collections.Counter(case for _, case, _ in rows)
        ids = [i for i, _, _ in rows]
        marks = ",".join("?" * len(ids)) or "''"
        disclosures = collections.Counter(
            r
            for (r,) in db.execute(
                f"SELECT request_id FROM disclosures WHERE request_id IN ({marks})", ids
            )
        )
        once = collections.Counter(
            (r, a)
            for r, a in db.execute(
                "SELECT request_id, action FROM audit_events WHERE request_id IN "
                f"({marks}) AND (action IN ('received', 'officer_notified', "
                "'webhook_acknowledged', 'disclosed') OR action LIKE 'customer_notified:%')",
                ids,
            )
        )
        outbox = db.execute(
            f"SELECT channel, purpose, attempts, sent_at FROM outbox WHERE request_id IN ({marks})",
            ids,
        ).fetchall()
    return {
        "rows": rows,
        "duplicate_cases": {c: n for c, n in by_case.items() if n > 1},
        "disclosures": disclosures,
        "duplicate_events": {k: n for k, n in once.items() if n > 1},
        "outbox": outbox,
    }


def production_archives(stack: EmbeddedStack, request_ids: list[str]) -> dict[str, int]:
    from services.platform.objectstore import s3_client

    s3 = s3_client(stack.settings)
    counts: dict[str, int] = {}
    for request_id in request_ids:
        listed = s3.list_object_versions(
            Bucket=stack.settings.productions_bucket, Prefix=f"productions/{request_id}/"
        )
        counts[request_id] = sum(
            1 for v in listed.get("Versions", []) if v["Key"].endswith("production.zip")
        )
    return counts


def mails(stack: EmbeddedStack) -> tuple[dict, dict]:
    """Officer production notices and customer notices per request: (raw, distinct ids)."""
    from services.stack.mailsink import read_mailbox

    officer: dict[str, list[str]] = collections.defaultdict(list)
    customer: dict[str, list[str]] = collections.defaultdict(list)
    for message in read_mailbox(stack.data_dir / "mail"):
        message_id = str(message["Message-ID"]).strip()
        if message_id.startswith("<production-notice."):
            officer[message_id.split(".", 1)[1].split("@")[0]].append(message_id)
        elif message_id.startswith("<customer-notice."):
            customer[message_id.split(".")[1]].append(message_id)
    return officer, customer


def audit_verify(stack: EmbeddedStack) -> subprocess.CompletedProcess:
    from services.stack.stack import settings_environment

    env = settings_environment(stack.settings)
    env["WRIT_PRODUCTION_SIGNING_KEY"] = (
        (stack.data_dir / "production-signing.key").read_text().strip()
    )
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def check(
    stack: EmbeddedStack, cases: list[Case], prefix: str, receiver: Receiver, views: dict
) -> dict:
    counted = count_rows(stack.data_dir / "register.db", prefix)
    status_of = {case: status for _, case, status in counted["rows"]}
    id_of = {case: rid for rid, case, _ in counted["rows"]}
    produced = [c for c in cases if c.kind in PRODUCED]
    archives = production_archives(
        stack, [id_of[c.case_number] for c in produced if c.case_number in id_of]
    )
    officer, customer = mails(stack)
    wrong_state = [
        f"{c.case_number} ({c.kind}): {status_of.get(c.case_number)}"
        for c in cases
        if status_of.get(c.case_number) != EXPECTED[c.kind]
    ]
    lost = [c.case_number for c in cases if c.acknowledged and c.case_number not in status_of]
    disagreeing = [
        f"{case} (view {shown}, register {status_of.get(case)})"
        for case, shown in views.items()
        if shown != status_of.get(case)
    ]
    resent = [(channel, purpose) for channel, purpose, n, _ in counted["outbox"] if n > 1]
    never = [c.case_number for c in cases if not c.acknowledged]

    def per_request(counter_of, kinds) -> collections.Counter:
        return collections.Counter(
            counter_of(id_of.get(c.case_number, "")) for c in cases if c.kind in kinds
        )

    verified = audit_verify(stack)
    return {
        "requests": len(cases),
        "by kind": dict(collections.Counter(c.kind for c in cases)),
        "in expected end state": len(cases) - len(wrong_state),
        "wrong state": wrong_state[:10],
        "lost": len(lost),
        "never acknowledged": len(never),
        "views disagreeing with the register": len(disagreeing),
        "disagreeing views": disagreeing[:10],
        "duplicated register rows": len(counted["duplicate_cases"])
        + len(counted["duplicate_events"]),
        "duplicate rows": list(counted["duplicate_events"].items())[:10],
        # per-request counts: {count: how many requests had it}
        "disclosure rows per produced request": dict(
            per_request(lambda r: counted["disclosures"].get(r, 0), PRODUCED)
        ),
        "disclosure rows of unproduced requests": sum(
            counted["disclosures"].get(id_of.get(c.case_number, ""), 0)
            for c in cases
            if c.kind not in PRODUCED
        ),
        "production archives per produced request": dict(collections.Counter(archives.values())),
        "webhook deliveries (distinct Writ-Delivery-Id) per produced request": dict(
            per_request(lambda r: len(receiver.deliveries.get(r, {})), PRODUCED)
        ),
        "webhook posts per produced request": dict(
            per_request(lambda r: sum(receiver.deliveries.get(r, {}).values()), PRODUCED)
        ),
        "officer mails (distinct Message-ID) per produced request": dict(
            per_request(lambda r: len(set(officer.get(r, []))), PRODUCED)
        ),
        "officer mails received per produced request": dict(
            per_request(lambda r: len(officer.get(r, [])), PRODUCED)
        ),
        "customer notices per request": dict(
            per_request(lambda r: len(customer.get(r, [])), set(EXPECTED))
        ),
        # A send repeated with the same id after a crash hid its outcome: the receiver
        # drops the repeat (the counts above are of distinct ids), the row says it happened.
        "outbox sends": len(counted["outbox"]),
        "outbox sends with attempts > 1": len(resent),
        "outbox resends by purpose": dict(
            collections.Counter(f"{channel}:{purpose}" for channel, purpose in resent)
        ),
        "outbox rows never marked sent": sum(1 for *_, sent in counted["outbox"] if not sent),
        "audit verify": (verified.stdout + verified.stderr).strip(),
        "audit intact": verified.returncode == 0,
    }


def verdict(result: dict) -> list[str]:
    """The checks that failed (empty: all held)."""
    failed = []
    if result["in expected end state"] != result["requests"]:
        failed.append("requests not in their expected end state")
    if result["lost"] or result["never acknowledged"]:
        failed.append("lost requests")
    if result["views disagreeing with the register"]:
        failed.append("views disagreeing with the register")
    if result["outbox rows never marked sent"]:
        failed.append("outbox rows never marked sent")
    if result["duplicated register rows"]:
        failed.append("duplicated register rows")
    for key in (
        "disclosure rows per produced request",
        "production archives per produced request",
        "webhook deliveries (distinct Writ-Delivery-Id) per produced request",
        "officer mails (distinct Message-ID) per produced request",
        "officer mails received per produced request",
    ):
        if set(result[key]) != {1}:
            failed.append(f"{key}: {result[key]}")
    if result["disclosure rows of unproduced requests"]:
        failed.append("disclosures of requests that produce nothing")
    if any(n > 1 for n in result["customer notices per request"]):
        failed.append("a customer noticed twice")
    if not result["audit intact"]:
        failed.append("audit verify")
    return failed


def figures_of(activities: dict) -> dict:
    """What the histories say of retried work, for the printout."""
    by_type = activities.get("by type", {})
    return {
        "activities retried": {n: f["retried"] for n, f in by_type.items() if f["retried"]},
        "workflow tasks timed out": activities.get("workflow tasks timed out"),
        "record_status": by_type.get("record_status (local)") or by_type.get("record_status"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=1500, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    prefix = f"CHAOS-{uuid.uuid4().hex[:6]}"
    cases = [
        Case(index=i, kind=MIX[i % len(MIX)], case_number=f"{prefix}-{i:04d}")
        for i in range(args.requests)
    ]
    rng.shuffle(cases)
    receiver = Receiver()
    policy_dir = tempfile.TemporaryDirectory(prefix="writ-chaos-policy-")
    policy = Path(policy_dir.name) / "policy.json"
    policy.write_text(json.dumps({"domicile_state": "US-NC"}))
    environment = {
        "WRIT_POLICY_FILE": str(policy),
        "WRIT_RATE_LIMIT_SUBMISSIONS": "",  # the load is the point, not the abuse limits
        "WRIT_RATE_LIMIT_DOWNLOADS": "",
        "WRIT_AUDIT_CHECKPOINT_EVERY_MINUTES": "1",
    }
    began = time.monotonic()
    with EmbeddedStack(environment=environment) as stack:
        admin = {"Authorization": "Bearer " + stack.token("admin", "chaos-admin")}
        registered = httpx.post(
            f"{stack.api}/v1/agencies",
            headers=admin,
            json={**AGENCY, "webhook_url": receiver.url, "webhook_secret": "chaos-" + "s" * 26},
            timeout=30,
        )
        if registered.status_code not in (201, 409):
            print(f"agency registration failed: {registered.text}", file=sys.stderr)
            return 1
        run = asyncio.run(drive(stack, cases, args, rng))
        result = check(stack, cases, prefix, receiver, run["views"])
    policy_dir.cleanup()
    result = {
        "seconds": round(time.monotonic() - began, 1),
        "load seconds": round(run["seconds"], 1),
        "kills": len(run["kills"]),
        "kills (worker, api)": (
            sum(1 for k in run["kills"] if k[1] == "worker"),
            sum(1 for k in run["kills"] if k[1] == "api"),
        ),
        "client retries": run["retries"],
        "client failures": run["failures"][:10],
        "workflows settled": run["settled"].get("settled"),
        "settling": {k: v for k, v in run["settled"].items() if k != "activities"},
        **result,
        **figures_of(run["settled"].get("activities", {})),
    }
    failed = verdict(result)
    if not result["workflows settled"]:
        failed.append("workflows still had work in flight at the deadline")
    if len(run["kills"]) < args.kills:
        failed.append(f"only {len(run['kills'])} of {args.kills} kills happened during the load")
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:>{width}}: {value}")
    print("RESULT: " + ("all checks hold" if not failed else "FAILED: " + "; ".join(failed)))
    if args.json:
        print(json.dumps(result, default=str))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
