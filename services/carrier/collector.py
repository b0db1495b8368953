"""``collect``: exactly the approved slice of the carrier lake, attributed and written to S3.

For each target: resolve who held it during the period (``holdings``), then read each
table the approved categories need, once, from only the partitions of the target's hash
buckets and the period's months, joined to the holdings so every record is attributed to
the account that held the number at that instant. Each (target, category, table) becomes
one Parquet file under ``collections/{request_id}/`` in the documents bucket; only keys,
row counts and SHA-256 digests are returned (docs/architecture.md §3, §5).

Output keys depend only on the request, and the rows are sorted, so a retried attempt
rewrites the same keys with the same bytes. Heartbeats after each target and table carry
cumulative progress; passing the last one back as ``resume`` skips the finished work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq

from contracts.collection import CollectedFile, CollectionRequest, CollectionResult, TargetOutcome
from contracts.determination import LegalEntity
from contracts.enums import DataCategory, IdentifierKind
from contracts.legal_process import Identifier, Period, is_request_id
from services.carrier.holdings import (
    Assignment,
    Resolution,
    Subscriber,
    account_windows,
    period_bounds,
    resolve_accounts,
    resolve_number,
)
from services.carrier.layout import months_between
from services.carrier.progress import CollectionProgress, CompletedUnit
from services.carrier.reader import LakeReader
from services.carrier.schema import UTC_INSTANT
from services.carrier.scoping import TableScope, output_columns, tables_for
from services.platform.objectstore import s3_client
from services.platform.settings import Settings

Heartbeat = Callable[[object], None]

NO_RECORDS = "no records of the approved categories during the period"

# How each table is found from a target's holdings.
_BY_NUMBER = {
    "call_records": "start_time",
    "message_records": "sent_at",
    "message_content": "sent_at",
}
_BY_ACCOUNT = {"api_access_logs": "session_start"}
# Tie-breakers after the time column, so equal instants still sort the same way every time.
_UNIQUE = {
    "call_records": ("call_id",),
    "message_records": ("message_id",),
    "message_content": ("message_id",),
    "api_access_logs": ("ip_address", "api_endpoint"),
}


def collect(
    request: CollectionRequest,
    settings: Settings,
    *,
    heartbeat: Heartbeat = lambda details: None,
    resume: object | None = None,
) -> CollectionResult:
    """Collect ``request``'s approved scope; see the module docstring."""
    collection_prefix(request.request_id)  # validates the id before anything is read
    if request.period.end < request.period.start:
        raise ValueError("period ends before it starts")
    progress = CollectionProgress.start(request, resume)
    tables = tables_for(request.categories)
    with LakeReader(settings) as lake:
        for index, target in enumerate(unique_targets(request.targets)):
            if progress.target_done(index):
                continue
            resolution = resolve(lake, target, request.period, request.entity_of(target))
            if resolution.no_data_reason:
                progress = progress.with_outcome(
                    TargetOutcome(target=target, rows=0, no_data_reason=resolution.no_data_reason)
                )
                heartbeat(progress)
                continue
            for table, scopes in tables.items():
                if progress.unit(index, table) is not None:
                    continue
                files = _collect_table(
                    lake, settings, request, index, target, resolution, table, scopes
                )
                progress = progress.with_unit(CompletedUnit(target=index, table=table, files=files))
                heartbeat(progress)
            progress = progress.with_outcome(_outcome(target, resolution, progress.files_of(index)))
            heartbeat(progress)
    return progress.result()


def unique_targets(targets: Sequence[Identifier]) -> list[Identifier]:
    """Targets in request order, each once (they arrive normalised)."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for t in targets:
        if (t.kind, t.value) not in seen:
            seen.add((t.kind, t.value))
            unique.append(t)
    return unique


def collection_prefix(request_id: str) -> str:
    """Where a request's collected files live; the id must be safe as one path segment."""
    if not is_request_id(request_id):
        raise ValueError(
            "request_id must be 1-64 letters, digits, '_' or '-', starting with a letter or digit"
        )
    return f"collections/{request_id}/"


def collection_key(request_id: str, category: DataCategory, table: str, target_index: int) -> str:
    # The target's position, not its value: keys show up in logs and history, numbers must not.
    return f"{collection_prefix(request_id)}{category}/{table}/target-{target_index:03d}.parquet"


# -- who held the target ----------------------------------------------------------------------


def resolve(
    lake: LakeReader, target: Identifier, period: Period, entity: LegalEntity
) -> Resolution:
    """Who held ``target`` during ``period`` among ``entity``'s customers, and when."""
    legal_entity = entity.value  # as the lake's ``subscribers.legal_entity`` spells it
    if target.kind is IdentifierKind.TELEPHONE_NUMBER:
        history = assignments(lake, numbers=[target.value])
        holders = subscribers(lake, account_ids={a.account_id for a in history})
        return resolve_number(target.value, history, holders, period, legal_entity)
    if target.kind in (IdentifierKind.ACCOUNT_ID, IdentifierKind.EMAIL):
        if target.kind is IdentifierKind.ACCOUNT_ID:
            holders, what = subscribers(lake, account_ids={target.value}), "account"
        else:
            holders, what = subscribers(lake, email=target.value), "email address"
        accounts = sorted(holders)
        history = assignments(lake, account_ids=accounts)
        return resolve_accounts(accounts, history, holders, period, legal_entity, what=what)
    # IP addresses are not a key of any partitioned table; answering "no data" without
    # searching would be false, so the reason says it was not searched.
    return Resolution(
        no_data_reason=f"not searched: the carrier lake cannot be searched by {target.kind}"
    )


def assignments(
    lake: LakeReader, *, numbers: Sequence[str] = (), account_ids: Sequence[str] = ()
) -> list[Assignment]:
    """Assignment history of some numbers, or of every number some accounts held."""
    if not numbers and not account_ids:
        return []
    if numbers:
        # number_assignments is bucketed by number: one bucket's files.
        source = lake.source(
            "number_assignments", lake.files("number_assignments", keys=numbers, months=None)
        )
        where, params = _in_list("number", numbers)
    else:
        # By account: every bucket (see _select_account_numbers).
        source = lake.source(
            "number_assignments", lake.files("number_assignments", keys=None, months=None)
        )
        where, params = _in_list("account_id", account_ids)
    rows = lake.query(
        f"SELECT number, account_id, assigned_from, assigned_to, assignment_type, end_reason "
        f"FROM {source} WHERE {where} ORDER BY number, assigned_from",
        params,
    ).to_pylist()
    return [Assignment(**row) for row in rows]


def subscribers(
    lake: LakeReader, *, account_ids: set[str] | None = None, email: str | None = None
) -> dict[str, Subscriber]:
    """Subscriber facts by account id, for the given accounts or the owners of an email."""
    if email is not None:
        files = lake.files("subscribers", keys=None, months=None)
        where, params = "lower(email) = ?", [email.lower()]
    else:
        if not account_ids:
            return {}
        files = lake.files("subscribers", keys=sorted(account_ids), months=None)
        where, params = _in_list("account_id", sorted(account_ids))
    rows = lake.query(
        "SELECT account_id, legal_entity, service_start, is_reseller, reseller_customer_name "
        f"FROM {lake.source('subscribers', files)} WHERE {where}",
        params,
    ).to_pylist()
    return {row["account_id"]: Subscriber(**row) for row in rows}


# -- one table for one target -----------------------------------------------------------------


def _collect_table(
    lake: LakeReader,
    settings: Settings,
    request: CollectionRequest,
    index: int,
    target: Identifier,
    resolution: Resolution,
    table: str,
    scopes: list[tuple[DataCategory, TableScope]],
) -> list[CollectedFile]:
    """Read ``table`` once for the target, then write one file per category reading it."""
    needed = sorted({c for _, scope in scopes for c in scope.columns} | set(_UNIQUE.get(table, ())))
    selection = _select(lake, request.period, target, resolution, table, needed)
    lake.con.execute(f"CREATE OR REPLACE TEMP TABLE unit_rows AS {selection.sql}", selection.params)
    try:
        return [
            _write_category(
                lake, settings, request.request_id, index, category, scope, selection.order
            )
            for category, scope in scopes
        ]
    finally:
        lake.con.execute("DROP TABLE IF EXISTS unit_rows")


class _Selection(NamedTuple):
    sql: str
    params: list
    order: list[str]  # sort of the produced rows: time (or key) first, then tie-breakers


class _Scope(NamedTuple):
    """What every table read for one target shares."""

    lake: LakeReader
    target: Identifier
    resolution: Resolution
    start: dt.datetime
    end: dt.datetime
    months: list[str]


def _select(
    lake: LakeReader,
    period: Period,
    target: Identifier,
    resolution: Resolution,
    table: str,
    columns: Sequence[str],
) -> _Selection:
    start, end = period_bounds(period)
    scope = _Scope(lake, target, resolution, start, end, months_between(period.start, period.end))
    # account_id always comes from the attribution, never from a record's own columns.
    picked = ", ".join(f"r.{c}" for c in columns if c != "account_id")
    if table in _BY_NUMBER:
        return _select_by_number(scope, table, _BY_NUMBER[table], picked)
    if table in _BY_ACCOUNT:
        return _select_by_account(scope, table, _BY_ACCOUNT[table], picked)
    if table == "subscribers":
        return _select_subscribers(scope, picked)
    if table == "number_assignments":
        return _select_account_numbers(scope, picked)
    raise ValueError(f"no collection path for lake table {table!r}")


def _select_by_number(scope: _Scope, table: str, time: str, picked: str) -> _Selection:
    """Records keyed by the provider's number, each attributed to the number's holder then."""
    holdings = scope.resolution.numbered
    _register_windows(
        scope.lake, [(h.number, h.account_id, h.held_from, h.held_until) for h in holdings]
    )
    numbers = sorted({h.number for h in holdings})
    source = scope.lake.source(table, scope.lake.files(table, keys=numbers, months=scope.months))
    key_filter, key_params = _in_list("r.number", numbers)
    # The constant filters are what DuckDB pushes into the Parquet scan (row-group
    # statistics, bloom filters); the join then attributes each record to its holder.
    sql = (
        f"SELECT ? AS target, w.account_id, {picked}, r.{time} AS _at FROM {source} AS r "
        f"JOIN unit_windows AS w ON r.number = w.key "
        f"AND r.{time} >= w.held_from AND r.{time} < w.held_until "
        f"WHERE {key_filter} AND r.{time} >= ? AND r.{time} < ?"
    )
    params = [scope.target.value, *key_params, scope.start, scope.end]
    return _Selection(sql, params, ["_at", *_UNIQUE[table]])


def _select_by_account(scope: _Scope, table: str, time: str, picked: str) -> _Selection:
    """Records keyed by account, kept only while the account was attributed to the target."""
    windows = account_windows(scope.resolution.holdings)
    _register_windows(scope.lake, [(account, account, lo, hi) for account, lo, hi in windows])
    accounts = scope.resolution.accounts
    source = scope.lake.source(table, scope.lake.files(table, keys=accounts, months=scope.months))
    key_filter, key_params = _in_list("r.account_id", accounts)
    sql = (
        f"SELECT ? AS target, r.account_id, {picked}, r.{time} AS _at FROM {source} AS r "
        f"JOIN unit_windows AS w ON r.account_id = w.key "
        f"AND r.{time} >= w.held_from AND r.{time} < w.held_until "
        f"WHERE {key_filter} AND r.{time} >= ? AND r.{time} < ?"
    )
    params = [scope.target.value, *key_params, scope.start, scope.end]
    return _Selection(sql, params, ["_at", *_UNIQUE[table]])


def _select_subscribers(scope: _Scope, picked: str) -> _Selection:
    accounts = scope.resolution.accounts
    source = scope.lake.source(
        "subscribers", scope.lake.files("subscribers", keys=accounts, months=None)
    )
    key_filter, key_params = _in_list("r.account_id", accounts)
    sql = f"SELECT ? AS target, r.account_id, {picked} FROM {source} AS r WHERE {key_filter}"
    return _Selection(sql, [scope.target.value, *key_params], ["account_id"])


def _select_account_numbers(scope: _Scope, picked: str) -> _Selection:
    """The attributed accounts' numbers during the period: "telephone or instrument number
    or other subscriber number" (§2703(c)(2)(E)). The table is bucketed by number, so this
    reads every bucket; it is small, and the account_id bloom filters skip row groups."""
    accounts = scope.resolution.accounts
    source = scope.lake.source(
        "number_assignments", scope.lake.files("number_assignments", keys=None, months=None)
    )
    key_filter, key_params = _in_list("r.account_id", accounts)
    sql = (
        f"SELECT ? AS target, r.account_id, {picked} FROM {source} AS r WHERE {key_filter} "
        "AND r.assigned_from < ? AND (r.assigned_to IS NULL OR r.assigned_to > ?)"
    )
    params = [scope.target.value, *key_params, scope.end, scope.start]
    return _Selection(sql, params, ["account_id", "number", "assigned_from"])


def _register_windows(lake: LakeReader, windows: Sequence[tuple]) -> None:
    """The attribution intervals, ``(key, account_id, held_from, held_until)`` with the key a
    number or an account id, as the DuckDB relation ``unit_windows``."""
    keys, accounts, starts, ends = (
        (list(column) for column in zip(*windows, strict=True)) if windows else ([], [], [], [])
    )
    lake.con.register(
        "unit_windows",
        pa.table(
            {
                "key": pa.array(keys, pa.string()),
                "account_id": pa.array(accounts, pa.string()),
                "held_from": pa.array(starts, UTC_INSTANT),
                "held_until": pa.array(ends, UTC_INSTANT),
            }
        ),
    )


def _write_category(
    lake: LakeReader,
    settings: Settings,
    request_id: str,
    index: int,
    category: DataCategory,
    scope: TableScope,
    order: Sequence[str],
) -> CollectedFile:
    columns = list(output_columns(scope))
    order_by = ", ".join([*order, *(c for c in columns if c not in order)])
    reader = lake.con.execute(
        f"SELECT {', '.join(columns)} FROM unit_rows ORDER BY {order_by}"
    ).to_arrow_reader(batch_size=65_536)
    key = collection_key(request_id, category, scope.table, index)
    with tempfile.TemporaryDirectory(prefix="writ-collect-") as scratch:
        path = Path(scratch) / "part.parquet"
        rows = _write_parquet(reader, path)
        digest = _sha256_file(path)
        lake.client.upload_file(
            str(path),
            settings.documents_bucket,
            key,
            ExtraArgs={
                "ContentType": "application/vnd.apache.parquet",
                "Metadata": {"sha256": digest},
            },
        )
    return CollectedFile(
        category=category, table=scope.table, key=key, rows=rows, sha256=digest, columns=columns
    )


def _write_parquet(reader: pa.RecordBatchReader, path: Path) -> int:
    """Stream the batches to one Parquet file (bounded memory for very busy targets)."""
    schema = _utc(reader.schema)
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch.cast(schema))
            rows += batch.num_rows
    return rows


def _utc(schema: pa.Schema) -> pa.Schema:
    """DuckDB names the zone ``Etc/UTC``; the lake and its consumers say ``UTC``."""
    return pa.schema(
        [
            f.with_type(pa.timestamp(f.type.unit, "UTC"))
            if pa.types.is_timestamp(f.type) and f.type.tz
            else f
            for f in schema
        ]
    )


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _in_list(column: str, values: Sequence[str]) -> tuple[str, list[str]]:
    if not values:
        return "FALSE", []
    if len(values) == 1:
        return f"{column} = ?", list(values)
    return f"{column} IN ({', '.join('?' for _ in values)})", list(values)


def _outcome(
    target: Identifier, resolution: Resolution, files: Sequence[CollectedFile]
) -> TargetOutcome:
    rows = sum(f.rows for f in files)
    return TargetOutcome(
        target=target,
        rows=rows,
        no_data_reason="" if rows else NO_RECORDS,
        accounts=resolution.accounts,
    )


def delete_collection(request_id: str, settings: Settings) -> int:
    """Delete every file collected for ``request_id``; returns how many. Idempotent."""
    client = s3_client(settings)
    deleted = 0
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=settings.documents_bucket, Prefix=collection_prefix(request_id)
    )
    for page in pages:
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            client.delete_objects(
                Bucket=settings.documents_bucket, Delete={"Objects": keys, "Quiet": True}
            )
            deleted += len(keys)
    return deleted
