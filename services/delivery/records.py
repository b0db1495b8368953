"""Collected records, read from the collector's Parquet and rendered as CSV and JSON.

Rendering must be byte-deterministic (a retried build has to reproduce the digests the
certificate already attests to), so every value goes through one conversion with a
fixed textual form, and nothing depends on the clock, locale or dict ordering.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import decimal
import io
import json
import math
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from contracts.collection import CollectedFile, TargetOutcome
from contracts.enums import DataCategory
from services.platform.objectstore import sha256_hex

Record = dict[str, Any]


class CollectedFileError(Exception):
    """A collected file does not match what the collector reported; never certify it."""


class CategoryRecords(msgspec.Struct, frozen=True, kw_only=True):
    category: DataCategory
    columns: list[str]
    records: list[Record]


def read_collected_file(collected: CollectedFile, data: bytes) -> tuple[list[str], list[Record]]:
    """The file's rows restricted to its declared columns, after checking its digest.

    The digest check is the chain of custody: the certificate attests to what the
    collector read from the lake, so bytes that changed since then must not be packaged.
    Only the declared columns are produced, so the collector's column list is the scope.
    """
    if sha256_hex(data) != collected.sha256:
        raise CollectedFileError(f"{collected.key}: SHA-256 differs from the collector's digest")
    table = pq.read_table(pa.BufferReader(data))
    columns = list(collected.columns) or list(table.column_names)
    missing = [name for name in columns if name not in table.column_names]
    if missing:
        raise CollectedFileError(f"{collected.key}: declared columns missing: {missing}")
    if table.num_rows != collected.rows:
        raise CollectedFileError(
            f"{collected.key}: {table.num_rows} rows, collector reported {collected.rows}"
        )
    return columns, table.select(columns).to_pylist()


def merge_category(
    category: DataCategory, parts: Sequence[tuple[list[str], list[Record]]]
) -> CategoryRecords:
    """One category's records from one or more files (e.g. two lake tables), in file order.

    Columns are the union in order of first appearance; a record lacking a column gets
    None rather than being dropped, so every produced row keeps its place.
    """
    columns: list[str] = []
    for part_columns, _ in parts:
        columns.extend(name for name in part_columns if name not in columns)
    records = [
        {name: record.get(name) for name in columns}
        for _, part_records in parts
        for record in part_records
    ]
    return CategoryRecords(category=category, columns=columns, records=records)


def json_value(value: Any) -> Any:
    """A JSON-native, stable form of one Parquet value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        # NaN and infinities are not JSON; keep them as text rather than lose them.
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    return str(value)


def csv_cell(value: Any) -> str:
    """One CSV cell: empty for null, JSON for nested values, lower-case booleans."""
    converted = json_value(value)
    if converted is None:
        return ""
    if isinstance(converted, bool):
        return "true" if converted else "false"
    if isinstance(converted, (dict, list)):
        return canonical_json(converted).decode("utf-8")
    return str(converted)


def render_csv(category: CategoryRecords) -> bytes:
    """RFC 4180 CSV (CRLF, minimal quoting), header row = exactly the category's columns.

    Cells are not rewritten against spreadsheet formula injection: these are evidence and
    must match the source byte for byte; records.json carries the same values typed.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(category.columns)
    for record in category.records:
        writer.writerow([csv_cell(record[name]) for name in category.columns])
    return buffer.getvalue().encode("utf-8")


def render_records_json(
    request_id: str, categories: Iterable[CategoryRecords], targets: Iterable[TargetOutcome]
) -> bytes:
    """All produced records grouped by category, and what was found for each target."""
    document = {
        "request_id": request_id,
        "categories": {
            str(category.category): {
                "columns": category.columns,
                "record_count": len(category.records),
                "records": [
                    {name: json_value(record[name]) for name in category.columns}
                    for record in category.records
                ],
            }
            for category in categories
        },
        "targets": [_target_outcome(outcome) for outcome in targets],
    }
    return pretty_json(document)


def _target_outcome(outcome: TargetOutcome) -> dict[str, Any]:
    return {
        "kind": str(outcome.target.kind),
        "value": outcome.target.value,
        "rows": outcome.rows,
        "outcome": "no_data" if outcome.rows == 0 else "produced",
        "no_data_reason": outcome.no_data_reason,
        "accounts": list(outcome.accounts),
    }


def pretty_json(document: Any) -> bytes:
    """Readable JSON for files people open; key order is the order we built it in."""
    text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def canonical_json(document: Any) -> bytes:
    """Compact, key-sorted JSON: the form that is hashed or signed."""
    return json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")
