"""The local stack's data directory: where each server keeps its state, the payload key,
and the lock that keeps two supervisors off the same files.

    <data>/
      payload.key        AES-256 key for Temporal payloads (base64, mode 0600)
      production-signing.key  Ed25519 key that signs productions (base64, mode 0600)
      register.db        case register (SQLite), unless WRIT_DATABASE_URL names another
      temporal.db        Temporal dev server state (SQLite, WAL)
      s3/                SeaweedFS volumes, filer and master metadata
      mail/              every message the mail sink received
      logs/<child>.log   one log per child process, appended across runs
      stack.json         pids, ports and URLs of the running stack (removed on clean stop)
      writ-up.lock       held by the running supervisor
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any


class DataDirError(RuntimeError):
    pass


class DataDir:
    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().resolve()

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def mail(self) -> Path:
        return self.root / "mail"

    @property
    def payload_key(self) -> Path:
        return self.root / "payload.key"

    @property
    def signing_key(self) -> Path:
        return self.root / "production-signing.key"

    @property
    def register_db(self) -> Path:
        return self.root / "register.db"

    @property
    def state_file(self) -> Path:
        return self.root / "stack.json"

    @property
    def lock_file(self) -> Path:
        return self.root / "writ-up.lock"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def create(self) -> None:
        for path in (self.root, self.logs, self.mail):
            path.mkdir(parents=True, exist_ok=True)

    def write_state(self, state: dict[str, Any]) -> None:
        tmp = self.state_file.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(state, indent=2) + "\n")
        tmp.replace(self.state_file)

    def clear_state(self) -> None:
        self.state_file.unlink(missing_ok=True)


def load_or_create_key(path: Path) -> str:
    """A key of the stack's (the payload key, the production signing key): 32 random bytes,
    base64, readable by the owner only.

    Created once and then reused, because every encrypted payload in ``temporal.db`` can
    be read only with the key that wrote it, and every production verifies only against
    the key that signed it.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_payload_key(path)
    with os.fdopen(fd, "w") as out:
        out.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return _read_payload_key(path)


def _read_payload_key(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        # The key decrypts everything Temporal holds; like ssh, refuse to share it silently.
        os.chmod(path, 0o600)
        print(f"writ up: {path} was readable by others (mode {mode:o}); set it to 600")
    key = path.read_text().strip()
    try:
        valid = len(base64.b64decode(key, validate=True)) == 32
    except ValueError:
        valid = False
    if not valid:
        raise DataDirError(
            f"{path} does not hold a base64-encoded 32-byte key. If no workflow history needs "
            "it, delete the file (and temporal.db) and a new key will be made; otherwise "
            "restore the original key."
        )
    return key


class StackLock:
    """An exclusive lock on the data directory, held while ``writ up`` runs.

    The kernel drops it when the process dies, however it dies, so no stale lock is left.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise DataDirError(
                f"another `writ up` (pid {holder}) is already running on {self.path.parent}"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None

    @staticmethod
    def holder(path: Path) -> str | None:
        """The pid of a running supervisor holding ``path``, if any."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.read(fd, 32).decode(errors="replace").strip() or "unknown"
        finally:
            os.close(fd)
        return None
