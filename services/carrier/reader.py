"""Reading the lake: the partition files a lookup needs, and DuckDB queries over them.

Partition pruning is done here, explicitly, rather than left to a glob: listing one bucket's
prefix and keeping the months in range names exactly the files a lookup opens, and an empty
list (nothing was ever written there) is an answer rather than a "no files found" error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import pyarrow as pa
from botocore.client import BaseClient

from services.carrier.connection import lake_cursor, s3_uri, sql_literal
from services.carrier.layout import TABLES, bucket_prefix, month_in_key
from services.carrier.manifest import LakeManifest, require_complete
from services.carrier.schema import SCHEMAS
from services.platform.objectstore import s3_client
from services.platform.settings import Settings

_clients: dict[tuple[str, ...], BaseClient] = {}
_clients_lock = threading.Lock()


def _shared_client(settings: Settings) -> BaseClient:
    """One S3 client per process and store (boto3 clients are thread-safe; making one
    costs more CPU than the lookup it serves)."""
    key = (settings.s3_endpoint, settings.s3_region, settings.s3_access_key, settings.s3_secret_key)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = s3_client(settings)
        return client


class LakeReader:
    """One DuckDB connection and S3 client over the configured lake; not thread-safe."""

    def __init__(self, settings: Settings, *, client: BaseClient | None = None) -> None:
        self.client = client or _shared_client(settings)
        self.bucket = settings.lake_bucket
        self.manifest: LakeManifest = require_complete(self.client, self.bucket)
        self.layout = self.manifest.layout
        self.con = lake_cursor(settings)
        self._listings: dict[str, list[str]] = {}
        for name, table_schema in SCHEMAS.items():
            # Stands in for a table when a lookup's partitions hold no files at all.
            self.con.register(f"empty_{name}", table_schema.empty_table())

    def files(
        self, table: str, *, keys: Iterable[str] | None, months: Iterable[str] | None
    ) -> list[str]:
        """S3 URIs of ``table``'s files in the buckets of ``keys`` (all buckets if None)
        and, for month-partitioned tables, the given ``months``."""
        if keys is None:
            prefixes = [f"{table}/"]
        else:
            prefixes = sorted({bucket_prefix(table, self.layout.bucket_of(k)) for k in keys})
        wanted = None if months is None or TABLES[table].time_column is None else set(months)
        found = []
        for prefix in prefixes:
            for key in self._list(prefix):
                if wanted is None or month_in_key(key) in wanted:
                    found.append(s3_uri(self.bucket, key))
        return found

    def source(self, table: str, files: list[str]) -> str:
        """A FROM clause item reading exactly ``files`` (or the empty table)."""
        if not files:
            return f"empty_{table}"
        listing = ", ".join(sql_literal(f) for f in files)
        return f"read_parquet([{listing}], hive_partitioning = false)"

    def query(self, sql: str, params: list | dict | None = None) -> pa.Table:
        return self.con.execute(sql, params or []).to_arrow_table()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> LakeReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _list(self, prefix: str) -> list[str]:
        if prefix not in self._listings:
            keys: list[str] = []
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                keys.extend(
                    o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(".parquet")
                )
            self._listings[prefix] = sorted(keys)
        return self._listings[prefix]
