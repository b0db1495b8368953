"""The embedded stack: start the servers in dependency order, supervise them, stop them.

Start order is Temporal, SeaweedFS, the mail sink (migrations run meanwhile), then the
worker and the API; stop order is the reverse, so nothing loses a dependency while it
is still finishing work.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import msgspec

from services.platform.settings import Settings
from services.stack.datadir import DataDir
from services.stack.servers import (
    MailSink,
    ManagedProcess,
    SeaweedS3,
    ServerFailed,
    TemporalDevServer,
    WritApi,
    WritProcess,
    WritWorker,
    writ_command,
)

Say = Callable[[str], None]


class StartupFailed(RuntimeError):
    pass


class StopRequested(BaseException):
    """Raised in the main thread by SIGINT, SIGTERM or SIGHUP.

    A BaseException, so no ``except Exception`` on the way up swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name


class ShutdownSignals:
    """Turns stop signals into ``StopRequested``, except where that would lose a child.

    While a child is being spawned (a ``critical`` section) the request is held and raised
    when the section ends, so every started process is on the list that shutdown walks.
    Once stopping has begun, further signals only say that it is under way.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self, say: Say) -> None:
        self.say = say
        self.received: int | None = None
        self.stopping = False
        self._critical = 0

    def install(self) -> None:
        for signum in self.SIGNALS:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping or self.received is not None:
            self.say("already stopping; children get their time to exit cleanly")
            return
        self.received = signum
        if not self._critical:
            raise StopRequested(signum)

    def check(self) -> None:
        """Raise a pending request again.

        The handler's exception can land inside library code that swallows it (asyncio
        logs and drops BaseExceptions raised in its callbacks); the supervisor's loops
        call this so such a request is still honoured.
        """
        if self.received is not None and not self.stopping and not self._critical:
            raise StopRequested(self.received)

    @contextmanager
    def critical(self) -> Iterator[None]:
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1
        self.check()


@dataclasses.dataclass(frozen=True, kw_only=True)
class StackConfig:
    data: DataDir
    api_port: int = 8000
    temporal_port: int = 7233
    temporal_ui_port: int | None = 8233  # None: headless
    s3_port: int = 8333
    seaweed_master_port: int = 8334
    seaweed_volume_port: int = 8335
    seaweed_filer_port: int = 8336
    smtp_port: int = 8025
    ready_timeout: float = 120.0

    def ports(self) -> dict[str, int]:
        """Every port the stack will listen on, named as an operator would look for it
        (with the option that sets it)."""
        ports = {
            "API (--api-port)": self.api_port,
            "Temporal (--temporal-port)": self.temporal_port,
        }
        if self.temporal_ui_port is not None:
            ports["Temporal UI (--temporal-ui-port)"] = self.temporal_ui_port
        seaweed = {
            "S3 (--s3-port)": self.s3_port,
            "SeaweedFS master (--seaweed-master-port)": self.seaweed_master_port,
            "SeaweedFS volume (--seaweed-volume-port)": self.seaweed_volume_port,
            "SeaweedFS filer (--seaweed-filer-port)": self.seaweed_filer_port,
        }
        ports |= seaweed
        ports["mail sink SMTP (--smtp-port)"] = self.smtp_port
        # SeaweedFS puts each service's gRPC listener at its HTTP port + 10000.
        for name, port in seaweed.items():
            ports[name.replace(" (", " gRPC (").replace(")", " + 10000)")] = port + 10000
        return ports


def stack_settings(base: Settings, config: StackConfig, payload_key: str) -> Settings:
    """The settings every child of the stack runs with: the base (user's WRIT_* variables
    and defaults) pointed at the embedded servers."""
    return msgspec.structs.replace(
        base,
        data_dir=str(config.data.root),
        temporal_address=f"127.0.0.1:{config.temporal_port}",
        payload_key=payload_key,
        s3_endpoint=f"http://127.0.0.1:{config.s3_port}",
        api_host="127.0.0.1",
        api_port=config.api_port,
        smtp_host="127.0.0.1",
        smtp_port=config.smtp_port,
    )


def settings_environment(settings: Settings) -> dict[str, str]:
    """``settings`` as the WRIT_* variables that reproduce it in a child process."""
    env = dict(os.environ)
    for field in msgspec.structs.fields(Settings):
        env[f"WRIT_{field.name.upper()}"] = str(getattr(settings, field.name))
    env["PYTHONUNBUFFERED"] = "1"  # child logs reach their files as they happen
    return env


class Migration(WritProcess):
    """``writ migrate``: a one-shot child that must exit 0 before the API starts."""

    name = "migrate"

    def command(self) -> list[str]:
        return writ_command("migrate")

    def ready(self) -> bool:
        return self.proc is not None and self.proc.poll() == 0


class RestartBudget:
    """Backoff for restarting a crashed stateless child (the API, the worker): 1, 2, 4 … 30 s,
    and at most ``limit`` restarts within ``window`` seconds — a child that keeps dying
    is a fault to show, not to hide."""

    def __init__(self, limit: int = 5, window: float = 600.0, cap: float = 30.0) -> None:
        self.limit, self.window, self.cap = limit, window, cap
        self.restarts: dict[str, list[float]] = {}

    def next_delay(self, name: str, now: float) -> float | None:
        """Seconds to wait before the next restart of ``name``; None when the budget is spent."""
        recent = [t for t in self.restarts.get(name, []) if now - t < self.window]
        self.restarts[name] = recent
        if len(recent) >= self.limit:
            return None
        recent.append(now)
        return min(self.cap, 2.0 ** (len(recent) - 1))

    def used(self, name: str) -> int:
        return len(self.restarts.get(name, []))


class Stack:
    def __init__(
        self,
        config: StackConfig,
        settings: Settings,
        signals: ShutdownSignals,
        say: Say,
    ) -> None:
        self.config = config
        self.settings = settings
        self.signals = signals
        self.say = say
        self.env = settings_environment(settings)
        data = config.data
        self.temporal = TemporalDevServer(
            data.root,
            config.temporal_port,
            config.temporal_ui_port,
            _search_attributes(),
        )
        self.seaweed = SeaweedS3(
            data.root,
            config.s3_port,
            settings.s3_access_key,
            settings.s3_secret_key,
            master_port=config.seaweed_master_port,
            volume_port=config.seaweed_volume_port,
            filer_port=config.seaweed_filer_port,
        )
        self.mailsink = MailSink(
            data.log("mailsink"), self.env, port=config.smtp_port, mail_dir=data.mail
        )
        self.migration = Migration(data.log("migrate"), self.env)
        self.workers = [
            WritWorker(
                data.log(name),
                self.env if i == 0 else self._extra_worker_env(),
                temporal_address=settings.temporal_address,
                namespace=settings.temporal_namespace,
                task_queue=settings.task_queue,
                name=name,
            )
            for i, name in enumerate(worker_names(settings.worker_processes))
        ]
        self.worker = self.workers[0]
        self.api = WritApi(data.log("api"), self.env, port=config.api_port)
        # Everything spawned, in start order; shutdown walks it backwards.
        self.started: list[ManagedProcess] = []
        self._spawned_at: dict[str, float] = {}
        self.started_at = time.monotonic()
        self.ready_after: float | None = None
        self.restart_budget = RestartBudget()

    def _extra_worker_env(self) -> dict[str, str]:
        """A second or later worker process: the same settings, but the periodic audit
        checkpoint is left to the first (one anchoring loop per stack; deliveries anchor
        in whichever process runs them)."""
        return self.env | {"WRIT_AUDIT_CHECKPOINT_EVERY_MINUTES": "0"}

    # -- starting ---------------------------------------------------------------------

    def start(self) -> None:
        """Start every child and return once all of them are ready; raise StartupFailed."""
        self.started_at = time.monotonic()
        self._spawn(self.temporal)
        self._spawn(self.seaweed)
        self._spawn(self.mailsink)
        self._spawn(self.migration)  # needs only the register, so it runs while S3 boots

        self._wait_ready(self.temporal, 60, f"on 127.0.0.1:{self.config.temporal_port}")
        self._wait_ready(self.mailsink, 60, f"on 127.0.0.1:{self.config.smtp_port}")
        self._wait_ready(self.seaweed, 120, f"on {self.seaweed.endpoint}")
        self._wait_ready(self.migration, 300, "register migrated")
        self._provision_buckets()
        self._seed_demo_lake()

        for worker in self.workers:
            self._spawn(worker)
        self._spawn(self.api)
        for worker in self.workers:
            self._wait_ready(
                worker, self.config.ready_timeout, f"polling task queue {self.settings.task_queue}"
            )
        self._wait_ready(self.api, self.config.ready_timeout, f"/readyz 200 on {self.api.base_url}")
        self.ready_after = time.monotonic() - self.started_at

    def _spawn(self, child: ManagedProcess) -> None:
        with self.signals.critical():
            try:
                child.start()
            except (ServerFailed, OSError) as exc:
                raise StartupFailed(f"could not start {child.name}: {exc}") from exc
            self.started.append(child)
            self._spawned_at[child.name] = time.monotonic()

    def _wait_ready(self, child: ManagedProcess, timeout: float, what: str) -> None:
        """Poll ``child``'s probe until it passes, failing fast if any child dies."""
        deadline = time.monotonic() + timeout
        while True:
            self.signals.check()
            if child.proc is not None and child.proc.poll() is not None and not child.ready():
                raise StartupFailed(
                    f"{child.name} exited with code {child.proc.returncode} while starting; "
                    f"see {child.log_path}\n{log_tail(child.log_path)}"
                )
            for other in self.supervised():
                if other is not child and not other.running:
                    raise StartupFailed(
                        f"{other.name} exited with code {other.proc.returncode} while "
                        f"{child.name} was starting; see {other.log_path}\n"
                        f"{log_tail(other.log_path)}"
                    )
            if child.ready():
                took = time.monotonic() - self._spawned_at[child.name]
                self.say(f"{child.name}: {what} ({took:.1f} s)")
                return
            if time.monotonic() > deadline:
                detail = f" ({child.last_answer})" if isinstance(child, WritApi) else ""
                raise StartupFailed(
                    f"{child.name} not ready after {timeout:.0f} s{detail}; see {child.log_path}\n"
                    f"{log_tail(child.log_path)}"
                )
            time.sleep(0.2)

    def _provision_buckets(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        from services.platform.objectstore import ensure_buckets

        self.signals.check()
        began = time.monotonic()
        try:
            ensure_buckets(self.settings, timeout=60)
        except (BotoCoreError, ClientError) as exc:
            raise StartupFailed(
                f"could not create the S3 buckets: {exc}; see {self.seaweed.log_path}"
            ) from exc
        settings = self.settings
        buckets = (
            f"{settings.documents_bucket}, {settings.productions_bucket}, {settings.lake_bucket}"
        )
        self.say(f"s3: buckets ready: {buckets} ({time.monotonic() - began:.1f} s)")

    def _seed_demo_lake(self) -> None:
        """First start only: a small synthetic carrier lake to collect from (local mode).

        SeaweedFS answers S3 before every volume it will use is writable, so a write can
        fail for a few seconds after it is "ready" ("volume not found"): such failures are
        retried with backoff, and one that persists becomes one line, not a traceback."""
        from botocore.exceptions import BotoCoreError, ClientError

        from services.carrier.synthetic.demo import DEMO_NUMBER, DEMO_ROWS, seed_demo_lake

        if self.settings.mode != "local":
            return
        began = time.monotonic()
        attempts = 6
        for attempt in range(1, attempts + 1):
            self.signals.check()
            try:
                seeded = seed_demo_lake(self.settings)
                break
            except (BotoCoreError, ClientError, OSError) as exc:
                if attempt == attempts:
                    raise StartupFailed(
                        f"could not seed the demo carrier lake after {attempts} attempts: "
                        f"{type(exc).__name__}: {exc}; see {self.seaweed.log_path}"
                    ) from exc
                delay = 2.0 ** (attempt - 1)
                self.say(f"lake: S3 not ready for writes yet ({exc}); retrying in {delay:.0f} s")
                time.sleep(delay)
        if seeded:
            self.say(
                f"lake: demo carrier lake generated, {DEMO_ROWS:,} call records, "
                f"subscriber of {DEMO_NUMBER} planted ({time.monotonic() - began:.1f} s)"
            )

    # -- running ----------------------------------------------------------------------

    def supervised(self) -> list[ManagedProcess]:
        """The long-running children started so far (the migration is a one-shot)."""
        return [child for child in self.started if child is not self.migration]

    def wait_for_exit(self) -> ManagedProcess:
        """Block until a supervised child exits; return it."""
        while True:
            self.signals.check()
            for child in self.supervised():
                if not child.running:
                    return child
            time.sleep(0.5)

    def restartable(self, child: ManagedProcess) -> bool:
        """Only the stateless Writ processes; Temporal, SeaweedFS and the mail sink hold
        data, and one of them dying takes the stack down rather than being papered over."""
        return child is self.api or child in self.workers

    def restart(self, child: ManagedProcess, delay: float) -> None:
        """Wait ``delay`` (still answering Ctrl-C), start ``child`` again, wait until ready."""
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            self.signals.check()
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        child.stop()  # reap what is left of the old process group
        self.started.remove(child)
        self._spawn(child)
        what = (
            f"/readyz 200 on {self.api.base_url}"
            if child is self.api
            else f"polling task queue {self.settings.task_queue}"
        )
        self._wait_ready(child, self.config.ready_timeout, f"restarted, {what}")

    def state(self) -> dict[str, object]:
        return {
            "supervisor_pid": os.getpid(),
            "data_dir": str(self.config.data.root),
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "ready_seconds": round(self.ready_after or 0.0, 1),
            "urls": self.urls(),
            "ports": self.config.ports(),
            "children": {
                child.name: {"pid": child.pid, "log": str(child.log_path)}
                for child in self.supervised()
            },
        }

    def urls(self) -> dict[str, str]:
        urls = {
            "api": self.api.base_url,
            "openapi": f"{self.api.base_url}/schema",
            "review_ui": f"{self.api.base_url}/ui/",
            "temporal": self.settings.temporal_address,
            "s3": self.seaweed.endpoint,
            "smtp": f"127.0.0.1:{self.config.smtp_port}",
            "mail_dir": str(self.config.data.mail),
        }
        if self.config.temporal_ui_port is not None:
            urls["temporal_ui"] = f"http://127.0.0.1:{self.config.temporal_ui_port}"
        return urls

    # -- stopping ---------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every started child, last started first; each gets its own grace period."""
        self.signals.stopping = True
        for child in reversed(self.started):
            if child.proc is None:
                continue
            if child.proc.poll() is not None:
                child.stop()  # reaps what is left of its process group
                continue
            began = time.monotonic()
            self.say(f"stopping {child.name} (pid {child.pid})")
            child.stop()
            took = time.monotonic() - began
            self.say(f"{child.name} stopped (code {child.proc.returncode}, {took:.1f} s)")


def worker_names(count: int) -> list[str]:
    """The worker children's names: "worker", then "worker-2" … (at least one)."""
    return ["worker"] + [f"worker-{i}" for i in range(2, max(1, count) + 1)]


def _search_attributes() -> dict[str, str]:
    from services.workflows.search_attributes import CLI_TYPES

    return dict(CLI_TYPES)


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_bytes()[-8000:].decode(errors="replace")
    except OSError:
        return ""
    tail = text.rstrip().splitlines()[-lines:]
    return "\n".join(f"    | {line}" for line in tail)
