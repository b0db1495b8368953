"""Real HTTP and real headless Chromium for the browser tests.

The app is served over real HTTP by uvicorn running in the test's own event loop, built
exactly as the ``api`` fixture builds it, so the register and the Temporal client are used
on the loop they belong to; Playwright's async API drives Debian's Chromium from that loop
too (never a downloaded browser build)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class QuietServer:
    """uvicorn without its signal handlers (pytest owns the process's signals)."""

    def __init__(self, app, port: int) -> None:
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self):
                yield

        self.server = Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning")
        )
        self.url = f"http://127.0.0.1:{port}"

    async def __aenter__(self) -> str:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.05)
        return self.url

    async def __aexit__(self, *exc) -> None:
        self.server.should_exit = True
        await asyncio.wait_for(self.task, timeout=10)
