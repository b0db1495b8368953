"""``writ up``: the whole embedded stack on one machine, supervised.

Temporal (dev server, state in ``<data>/temporal.db``), SeaweedFS (S3, data in
``<data>/s3``), the mail sink, the case register (migrated), the worker and the API.
It prints where everything is, stops all of it cleanly on Ctrl-C or SIGTERM (exit 0),
and stops all of it if any one child dies (exit 1). The same data directory gives back
the same state on the next run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import msgspec

from services.platform.settings import Settings, load_settings
from services.stack.datadir import DataDir, DataDirError, StackLock, load_or_create_key
from services.stack.servers import PortInUse, ensure_ports_free
from services.stack.stack import (
    ShutdownSignals,
    Stack,
    StackConfig,
    StartupFailed,
    StopRequested,
    log_tail,
    stack_settings,
)

DESCRIPTION = (
    "Run Temporal, S3 (SeaweedFS), the mail sink, the API and the worker on this machine, "
    "with all state in the data directory. Ctrl-C stops everything cleanly; the next run "
    "on the same data directory picks up where this one left off."
)


def say(message: str) -> None:
    print(f"writ up: {message}", flush=True)


def complain(message: str) -> None:
    print(f"writ up: {message}", file=sys.stderr, flush=True)


def add_up_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "up",
        help="run the whole stack locally (Temporal, S3, mail sink, API, worker)",
        description=DESCRIPTION,
    )
    add_up_arguments(parser)
    parser.set_defaults(func=run_up)
    return parser


def add_up_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help="where all state lives (default: $WRIT_DATA_DIR, else .writ)",
    )
    ports = parser.add_argument_group("ports (all on 127.0.0.1)")
    ports.add_argument("--api-port", type=int, default=8000, help="intake API (default 8000)")
    ports.add_argument(
        "--temporal-port", type=int, default=7233, help="Temporal gRPC (default 7233)"
    )
    ports.add_argument(
        "--temporal-ui-port", type=int, default=8233, help="Temporal web UI (default 8233)"
    )
    ports.add_argument("--s3-port", type=int, default=8333, help="S3 endpoint (default 8333)")
    ports.add_argument(
        "--seaweed-master-port",
        type=int,
        help="SeaweedFS master (default: S3 port + 1); its gRPC takes this + 10000",
    )
    ports.add_argument(
        "--seaweed-volume-port", type=int, help="SeaweedFS volume server (default: S3 port + 2)"
    )
    ports.add_argument(
        "--seaweed-filer-port", type=int, help="SeaweedFS filer (default: S3 port + 3)"
    )
    ports.add_argument("--smtp-port", type=int, default=8025, help="mail sink SMTP (default 8025)")
    parser.add_argument("--headless", action="store_true", help="do not serve the Temporal web UI")
    scale = parser.add_argument_group("processes (docs/scaling.md)")
    scale.add_argument(
        "--api-workers",
        type=int,
        help="API processes behind the API port (default: $WRIT_API_WORKERS; 0: one per core)",
    )
    scale.add_argument(
        "--workers", type=int, help="worker processes (default: $WRIT_WORKER_PROCESSES)"
    )
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for the worker to poll and the API's /readyz to pass (default 120)",
    )


def config_from_args(args: argparse.Namespace, base: Settings) -> StackConfig:
    s3 = args.s3_port
    return StackConfig(
        data=DataDir(Path(args.data_dir or base.data_dir)),
        api_port=args.api_port,
        temporal_port=args.temporal_port,
        temporal_ui_port=None if args.headless else args.temporal_ui_port,
        s3_port=s3,
        # Fixed (derived) rather than random: the master keeps its metadata in a
        # directory named after its port, so a restart must find the same port.
        seaweed_master_port=args.seaweed_master_port or s3 + 1,
        seaweed_volume_port=args.seaweed_volume_port or s3 + 2,
        seaweed_filer_port=args.seaweed_filer_port or s3 + 3,
        smtp_port=args.smtp_port,
        ready_timeout=args.ready_timeout,
    )


def run_up(args: argparse.Namespace) -> int:
    try:
        base = load_settings()
    except (ValueError, msgspec.ValidationError) as exc:
        complain(f"invalid WRIT_* settings: {exc}")
        return 1
    base = _with_process_counts(base, args)
    config = config_from_args(args, base)
    data = config.data

    try:
        ensure_ports_free(config.ports())
    except PortInUse as exc:
        message = f"cannot start: {exc}"
        holder = StackLock.holder(data.lock_file)
        if holder:
            message += (
                f"\nanother `writ up` (pid {holder}) is running on {data.root}: "
                f"stop it (Ctrl-C in its terminal, or kill -INT {holder}) or use other ports"
            )
        complain(message)
        return 1

    lock = StackLock(data.lock_file)
    try:
        data.create()
        lock.acquire()
        payload_key = _payload_key(base, data)
        base = _with_signing_key(base, data)
    except (DataDirError, OSError, ValueError) as exc:
        complain(f"cannot start: {exc}")
        lock.release()
        return 1

    signals = ShutdownSignals(say)
    signals.install()
    try:
        say(f"starting the stack in {data.root} (logs in {data.logs})")
        stack = Stack(config, stack_settings(base, config, payload_key), signals, say)
        return _supervise(stack, data)
    except StopRequested as request:  # before any child started, or while reporting a failure
        say(f"{request.signal_name} received; stopped")
        return 0
    finally:
        lock.release()


def _with_process_counts(base: Settings, args: argparse.Namespace) -> Settings:
    """``--api-workers`` and ``--workers`` over the WRIT_* settings."""
    counts = {}
    if getattr(args, "api_workers", None) is not None:
        counts["api_workers"] = args.api_workers
    if getattr(args, "workers", None) is not None:
        counts["worker_processes"] = max(1, args.workers)
    return msgspec.structs.replace(base, **counts) if counts else base


def _with_signing_key(base: Settings, data: DataDir) -> Settings:
    """Productions are always signed: locally with a key kept in the data directory (made
    once, like the payload key), unless WRIT_PRODUCTION_SIGNING_KEY gives one."""
    from services.delivery.signing import ProductionSigner

    if base.production_signing_key:
        ProductionSigner.from_seed(base.production_signing_key)  # a clear error if malformed
        say("production signing key: WRIT_PRODUCTION_SIGNING_KEY from the environment")
        return base
    key = load_or_create_key(data.signing_key)
    return msgspec.structs.replace(base, production_signing_key=key)


def _payload_key(base: Settings, data: DataDir) -> str:
    if base.payload_key:
        base.payload_key_bytes  # noqa: B018 - raises ValueError with a clear message if malformed
        say("payload key: WRIT_PAYLOAD_KEY from the environment")
        return base.payload_key
    return load_or_create_key(data.payload_key)


def _supervise(stack: Stack, data: DataDir) -> int:
    try:
        try:
            stack.start()
            _ensure_retention_schedule(stack)  # retention hook: needs the worker ready
        except StartupFailed as exc:
            complain(f"startup failed: {exc}")
            complain("stopping what had started")
            return 1
        data.write_state(stack.state())
        print(banner(stack), flush=True)
        while True:
            dead = stack.wait_for_exit()
            code = dead.proc.returncode
            exited = f"{dead.name} exited unexpectedly with code {code}; see {dead.log_path}"
            delay = stack.restart_budget.next_delay(dead.name, time.monotonic())
            if not stack.restartable(dead) or delay is None:
                reason = (
                    "it holds data and is not restarted blindly"
                    if not stack.restartable(dead)
                    else f"it died {stack.restart_budget.limit} times in "
                    f"{stack.restart_budget.window / 60:.0f} minutes"
                )
                complain(f"{exited}\n{log_tail(dead.log_path)}\nstopping the stack: {reason}")
                return 1
            complain(
                f"{exited}\n{log_tail(dead.log_path)}\nrestarting {dead.name} in {delay:.0f} s "
                f"(restart {stack.restart_budget.used(dead.name)} of at most "
                f"{stack.restart_budget.limit} in {stack.restart_budget.window / 60:.0f} minutes)"
            )
            try:
                stack.restart(dead, delay)
            except StartupFailed as exc:
                complain(f"{dead.name} did not come back: {exc}\nstopping the stack")
                return 1
            data.write_state(stack.state())
    except StopRequested as request:
        say(f"{request.signal_name} received; stopping the stack")
        return 0
    finally:
        stack.signals.stopping = True
        stack.stop()
        data.clear_state()
        say(f"stopped; state kept in {data.root}")


def _ensure_retention_schedule(stack: Stack) -> None:
    """Create (or update) the Temporal schedule of the retention purge, once the worker
    that runs it polls; it shows under Schedules in the Temporal UI."""
    import asyncio

    from services.platform.temporal import connect
    from services.workflows.retention.schedule import SCHEDULE_ID, ensure_retention_schedule

    async def ensure() -> str:
        return await ensure_retention_schedule(await connect(stack.settings), stack.settings)

    stack.signals.check()
    try:
        outcome = asyncio.run(ensure())
    except Exception as exc:  # an RPC failure here is a startup failure like any other
        raise StartupFailed(f"could not set up the retention schedule: {exc}") from exc
    every = stack.settings.retention_every_hours
    say(f"retention: schedule {SCHEDULE_ID} {outcome} (every {every} h)")


def banner(stack: Stack) -> str:
    urls = stack.urls()
    settings = stack.settings
    writ = _writ_invocation()
    temporal_ui = urls.get("temporal_ui", "off (--headless)")
    temporal_scope = f"namespace {settings.temporal_namespace}, task queue {settings.task_queue}"
    lines = [
        "",
        f"Writ is up (ready in {stack.ready_after:.1f} s).",
        "",
        f"  API              {urls['api']}",
        f"  OpenAPI docs     {urls['openapi']}",
        f"  Review UI        {urls['review_ui']}",
        f"  Temporal UI      {temporal_ui}",
        f"  Temporal         {urls['temporal']} ({temporal_scope})",
        f"  Retention        schedule writ-retention, every {settings.retention_every_hours} h"
        " (Temporal UI: Schedules)",
        f"  S3 endpoint      {urls['s3']} (access key {settings.s3_access_key})",
        f"  Mail sink        smtp://{urls['smtp']} -> {urls['mail_dir']}",
        f"  Case register    {_register_description(settings, stack.config.data)}",
        f"  Data directory   {stack.config.data.root} (logs in {stack.config.data.logs})",
        "",
        *_token_lines(settings, writ),
        "",
        (
            "Ctrl-C stops everything; the next `writ up` on this data directory picks up"
            " where it left off."
        ),
        "",
    ]
    return "\n".join(lines)


def _token_lines(settings: Settings, writ: str) -> list[str]:
    if settings.mode != "local":
        return [
            (
                f"  Bearer tokens: from your identity provider ({settings.jwks_url});"
                f" WRIT_MODE={settings.mode} refuses local ones"
            )
        ]
    return [
        "  Bearer tokens (HS256, local mode only; run with the same WRIT_JWT_* settings):",
        f"    {writ} token --sub you@example.com --role admin",
        f"    {writ} token --sub officer@agency.gov --role agency --agency <agency-id>",
    ]


def _register_description(settings: Settings, data: DataDir) -> str:
    if not settings.database_url:
        return f"SQLite {data.register_db}"
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url).render_as_string(hide_password=True)
    return f"{url} (WRIT_DATABASE_URL)"


def _writ_invocation() -> str:
    script = Path(sys.executable).parent / "writ"
    if script.exists():
        on_path = shutil.which("writ")
        return "writ" if on_path and Path(on_path).resolve() == script.resolve() else str(script)
    return f"{sys.executable} -m services.cli"


def main(argv: list[str] | None = None) -> int:
    """``python -m services.stack.up``: the same command without the rest of the CLI."""
    parser = argparse.ArgumentParser(prog="writ up", description=DESCRIPTION)
    add_up_arguments(parser)
    return run_up(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
