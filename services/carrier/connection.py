"""DuckDB connections that read the lake over S3 (httpfs) with the configured credentials."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from services.platform.settings import Settings


def httpfs_extension_path() -> Path:
    """The httpfs build shipped by the ``duckdb-extension-httpfs`` wheel.

    DuckDB's own ``INSTALL httpfs`` downloads from the internet, which these machines (and
    locked-down production hosts) cannot do; the wheel pins the build to DuckDB's version.
    """
    spec = importlib.util.find_spec("duckdb_extension_httpfs")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("duckdb-extension-httpfs is not installed")
    package = Path(next(iter(spec.submodule_search_locations)))
    path = package / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
    if not path.exists():
        raise RuntimeError(
            f"no httpfs extension for DuckDB {duckdb.__version__} at {path}: "
            "pin duckdb-extension-httpfs to the same version as duckdb"
        )
    return path


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def s3_secret_sql(settings: Settings) -> str:
    """``CREATE SECRET`` for the configured S3: path style and plain HTTP for local stores."""
    options = {
        "TYPE": "s3",
        "KEY_ID": sql_literal(settings.s3_access_key),
        "SECRET": sql_literal(settings.s3_secret_key),
        "REGION": sql_literal(settings.s3_region),
    }
    if settings.s3_endpoint:
        endpoint = urlsplit(settings.s3_endpoint)
        options["ENDPOINT"] = sql_literal(endpoint.netloc)
        options["URL_STYLE"] = "'path'"  # SeaweedFS, MinIO: no virtual-host bucket DNS
        options["USE_SSL"] = "true" if endpoint.scheme == "https" else "false"
    body = ", ".join(f"{key} {value}" for key, value in options.items())
    return f"CREATE OR REPLACE SECRET lake_s3 ({body})"


def connect(
    settings: Settings | None = None, *, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB; with ``settings``, able to read and write the configured S3."""
    config = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    if threads:
        config["threads"] = str(threads)
    con = duckdb.connect(config=config)
    # Instants are compared and formatted in UTC whatever the host's zone is.
    con.execute("SET TimeZone = 'UTC'")
    if settings is not None:
        con.execute(f"LOAD {sql_literal(str(httpfs_extension_path()))}")
        con.execute(s3_secret_sql(settings))
    return con


_lake_connections: dict[tuple[str, ...], duckdb.DuckDBPyConnection] = {}
_lake_connections_lock = threading.Lock()


def lake_cursor(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A connection of its own (a DuckDB cursor: its own temp tables, registrations and
    transactions) on the process's one in-memory lake database, where httpfs is loaded and
    the S3 secret created once rather than at every lookup (issue 12: that set-up was a
    quarter of the worker's CPU under load)."""
    key = (settings.s3_endpoint, settings.s3_region, settings.s3_access_key, settings.s3_secret_key)
    with _lake_connections_lock:
        base = _lake_connections.get(key)
        if base is None:
            base = _lake_connections[key] = connect(settings)
        cursor = base.cursor()
    cursor.execute("SET TimeZone = 'UTC'")
    return cursor


def s3_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"
