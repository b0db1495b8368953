"""One clear line for a command that cannot reach a server it needs (issue 13, defect 9).

An operator who runs ``writ audit verify`` (or any other command) against a data directory
that does not exist, a stopped PostgreSQL, SeaweedFS or Temporal, should read what is
missing and where, not a driver's traceback. Only the failures of *reaching* the case
register, S3 or Temporal are described; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from services.platform.settings import Settings

_NO_SCHEMA = ("no such table", "does not exist")


def _register_location(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url_async)
    if url.get_backend_name() == "sqlite":
        return f"the case register {url.database}"
    return f"the case register at {url.render_as_string(hide_password=True)}"


def missing_local_register(settings: Settings) -> str | None:
    """For a command that only reads: a local SQLite register that is not there is said
    before connecting (connecting would create an empty one)."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url_async)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    if Path(url.database).exists():
        return None
    return (
        f"there is no case register at {url.database} (is WRIT_DATA_DIR or WRIT_DATABASE_URL "
        "right? `writ up` creates the local one)"
    )


def _refused_by(error: OSError, settings: Settings) -> str:
    """Which of the servers a refused connection was meant for, by its port."""
    from urllib.parse import urlsplit

    from sqlalchemy.engine import make_url

    text = str(error)
    register = make_url(settings.database_url_async)
    candidates = [
        (register.port or 5432, _register_location(settings)),
        (urlsplit(settings.s3_endpoint).port, f"S3 at {settings.s3_endpoint}"),
        (
            int(settings.temporal_address.rsplit(":", 1)[-1]),
            f"Temporal at {settings.temporal_address}",
        ),
    ]
    for port, name in candidates:
        if port and (f", {port})" in text or f":{port}" in text):
            return name
    return "a server Writ needs"


def _chain(exc: BaseException):
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def describe_unreachable(exc: BaseException, settings: Settings) -> str | None:
    """What could not be reached, and what to do, in one line; ``None`` when ``exc`` is
    not a failure to reach one of the servers."""
    import sqlalchemy.exc
    from botocore.exceptions import EndpointConnectionError

    for error in _chain(exc):
        if isinstance(error, sqlalchemy.exc.DBAPIError):
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            where = _register_location(settings)
            if isinstance(error, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError):
                if any(marker in reason for marker in _NO_SCHEMA):
                    return f"{where} has no schema ({reason}): run `writ migrate` or `writ up`"
                return (
                    f"cannot open {where}: {reason} (is WRIT_DATA_DIR or WRIT_DATABASE_URL "
                    "right, and the server running? `writ up` creates the local one)"
                )
            if isinstance(error, sqlalchemy.exc.ProgrammingError) and any(
                marker in reason for marker in _NO_SCHEMA
            ):
                return f"{where} has no schema ({reason}): run `writ migrate` or `writ up`"
        if isinstance(error, EndpointConnectionError):
            return f"cannot reach S3 at {settings.s3_endpoint} (WRIT_S3_ENDPOINT): is it running?"
        if isinstance(error, ConnectionRefusedError):
            server = _refused_by(error, settings)
            return f"{server} refused the connection ({error}): is it running?"
        if isinstance(error, RuntimeError) and "Failed client connect" in str(error):
            return (
                f"cannot reach Temporal at {settings.temporal_address} (WRIT_TEMPORAL_ADDRESS):"
                " is it running?"
            )
    return None
