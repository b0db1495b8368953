"""Writing partition files: sorted, row-grouped, statistics and bloom filters, then S3.

Encoding and uploading run on a small thread pool (pyarrow and boto3 release the GIL), so
the next bucket is generated while the last one is written; a bound on pending files keeps
memory flat however large the lake.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from botocore.client import BaseClient

from services.carrier.layout import LakeLayout, TableLayout, partition_prefix
from services.carrier.schema import SCHEMAS

BLOOM_FALSE_POSITIVE_RATE = 0.01


def encode_parquet(rows: pa.Table, table: TableLayout, layout: LakeLayout) -> bytes:
    """One partition file's bytes; ``rows`` must already be sorted by ``table.sort_by``."""
    names = rows.schema.names
    sink = pa.BufferOutputStream()
    pq.write_table(
        rows,
        sink,
        row_group_size=layout.row_group_rows,
        compression="zstd",
        write_statistics=True,
        # Declared, not performed: readers may rely on the order the generator produced.
        sorting_columns=[pq.SortingColumn(names.index(c)) for c in table.sort_by],
        bloom_filter_options={
            column: {
                "ndv": max(1, min(rows.num_rows, layout.row_group_rows)),
                "fpp": BLOOM_FALSE_POSITIVE_RATE,
            }
            for column in table.bloom_columns
        },
    )
    return sink.getvalue().to_pybytes()


def partition_key(table: TableLayout, bucket: int, month: str | None, stem: str) -> str:
    return f"{partition_prefix(table.name, bucket, month)}{stem}.parquet"


class PartitionWriter:
    """Encodes and uploads partition files in the background; ``close`` waits for all."""

    def __init__(
        self,
        client: BaseClient,
        bucket: str,
        layout: LakeLayout,
        *,
        workers: int = 3,
        max_pending: int = 12,
        on_written: Callable[[str, int], None] = lambda table, rows: None,
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._layout = layout
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lake-writer")
        self._pending: deque[Future[None]] = deque()
        self._max_pending = max_pending
        self._on_written = on_written
        self._lock = threading.Lock()
        self.rows_written: dict[str, int] = {}
        self.files_written = 0

    def write(
        self, table: TableLayout, bucket: int, month: str | None, rows: pa.Table, stem: str
    ) -> None:
        """Queue one partition file; blocks while too many are already queued."""
        while len(self._pending) >= self._max_pending:
            self._pending.popleft().result()
        key = partition_key(table, bucket, month, stem)
        self._pending.append(self._pool.submit(self._upload, table, key, rows))

    def write_unpartitioned(self, table: TableLayout, rows: pa.Table, stem: str) -> None:
        """Split arbitrary rows (fixtures, dimension tables) into partitions and queue them."""
        rows = rows.cast(SCHEMAS[table.name])
        buckets = pa.array(
            [self._layout.bucket_of(k) for k in rows.column(table.bucket_key).to_pylist()],
            pa.int32(),
        )
        keyed = rows.append_column("__bucket", buckets)
        if table.time_column is not None:
            keyed = keyed.append_column(
                "__month", pc.strftime(rows.column(table.time_column), format="%Y-%m")
            )
        partitions = keyed.group_by(
            ["__bucket", "__month"] if table.time_column else ["__bucket"]
        ).aggregate([])
        for partition in partitions.to_pylist():
            mask = pc.equal(keyed.column("__bucket"), partition["__bucket"])
            if table.time_column is not None:
                mask = pc.and_(mask, pc.equal(keyed.column("__month"), partition["__month"]))
            selected = keyed.filter(mask).drop_columns(
                [c for c in keyed.column_names if c.startswith("__")]
            )
            ordered = selected.sort_by([(c, "ascending") for c in table.sort_by])
            self.write(table, partition["__bucket"], partition.get("__month"), ordered, stem)

    def close(self) -> None:
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _upload(self, table: TableLayout, key: str, rows: pa.Table) -> None:
        body = encode_parquet(rows, table, self._layout)
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body)
        with self._lock:
            self.rows_written[table.name] = self.rows_written.get(table.name, 0) + rows.num_rows
            self.files_written += 1
        self._on_written(table.name, rows.num_rows)

    def __enter__(self) -> PartitionWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:  # already failing: don't wait on (or mask the error with) queued uploads
            self._pool.shutdown(wait=True, cancel_futures=True)
