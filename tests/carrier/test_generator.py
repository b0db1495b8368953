"""The generated lake: deterministic, laid out as the layout says, safe to regenerate."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import msgspec
import pyarrow.parquet as pq
import pytest

from services.carrier.connection import connect
from services.carrier.layout import MANIFEST_KEY, TABLES, bucket_of, month_in_key
from services.carrier.manifest import read_manifest
from services.carrier.synthetic import fact_tables
from services.carrier.synthetic.carrier import plan_carrier, volumes_for
from services.carrier.synthetic.generator import LakeNotSynthetic, generate_lake
from tests.carrier.conftest import LAKE_ROWS, LAKE_SEED, TEST_LAYOUT
from tests.carrier.planted import FIXTURES


def _plan(seed: int):
    return plan_carrier(
        rows=3000, seed=seed, start=dt.date(2025, 1, 1), months=3, layout=TEST_LAYOUT
    )


def _facts(carrier, seed: int, query: str):
    con = connect()
    try:
        fact_tables.prepare(con, carrier.number_activity, carrier.account_activity)
        return fact_tables.generate_chunk(
            con, query, seed=seed, buckets=(0, TEST_LAYOUT.bucket_count - 1)
        )
    finally:
        con.close()


def test_same_seed_same_carrier_and_records() -> None:
    first, again, other = _plan(5), _plan(5), _plan(6)
    assert first.subscribers.equals(again.subscribers)
    assert first.number_assignments.equals(again.number_assignments)
    assert not first.subscribers.equals(other.subscribers)
    for query in (fact_tables.CALLS, fact_tables.MESSAGES, fact_tables.API_SESSIONS):
        assert _facts(first, 5, query).equals(_facts(again, 5, query))


def test_volumes_add_up_and_history_has_every_shape() -> None:
    carrier = _plan(5)
    assert sum(carrier.number_activity.column("calls").to_pylist()) == 3000
    assert (
        sum(carrier.number_activity.column("messages").to_pylist())
        == volumes_for(3000, 3).message_records
    )
    shapes = set(carrier.number_assignments.column("assignment_type").to_pylist())
    assert {"new", "port_in", "reassignment"} <= shapes


def test_manifest_records_layout_and_row_counts(lake, lake_settings, s3) -> None:
    manifest = read_manifest(s3, lake_settings.lake_bucket)
    assert manifest == lake
    assert manifest.complete and manifest.layout == TEST_LAYOUT
    assert manifest.synthetic.seed == LAKE_SEED
    assert manifest.tables["call_records"] == LAKE_ROWS + len(FIXTURES["call_records"])


def _keys(s3, bucket: str, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


@pytest.mark.parametrize(
    "table", ["call_records", "message_content", "api_access_logs", "number_assignments"]
)
def test_partitions_hold_only_their_bucket_and_month_sorted(
    lake, lake_settings, s3, table: str
) -> None:
    layout = TABLES[table]
    keys = _keys(s3, lake_settings.lake_bucket, f"{table}/")
    assert keys
    for key in keys:
        bucket = int(key.split("bucket=")[1].split("/")[0])
        body = s3.get_object(Bucket=lake_settings.lake_bucket, Key=key)["Body"].read()
        parquet = pq.ParquetFile(io.BytesIO(body))
        rows = parquet.read()
        assert {
            bucket_of(k, TEST_LAYOUT.bucket_count)
            for k in rows.column(layout.bucket_key).to_pylist()
        } == {bucket}
        if layout.time_column:
            months = {t.strftime("%Y-%m") for t in rows.column(layout.time_column).to_pylist()}
            assert months == {month_in_key(key)}
        sort_keys = list(
            zip(*(rows.column(c).to_pylist() for c in layout.sort_by[:2]), strict=True)
        )
        assert sort_keys == sorted(sort_keys), key
        # What lets a lookup skip row groups: statistics on the key, bloom filters declared.
        first = parquet.metadata.row_group(0)
        key_column = first.column(rows.schema.get_field_index(layout.bucket_key))
        assert key_column.statistics.has_min_max
        assert parquet.metadata.row_group(0).num_rows <= TEST_LAYOUT.row_group_rows


def test_bloom_filters_are_written_for_lookup_columns(lake, lake_settings) -> None:
    con = connect(lake_settings)
    try:
        blooms = con.execute(
            "SELECT DISTINCT path_in_schema FROM parquet_metadata(?) WHERE bloom_filter_length > 0",
            [f"s3://{lake_settings.lake_bucket}/call_records/*/*/*.parquet"],
        ).fetchall()
    finally:
        con.close()
    assert {name for (name,) in blooms} == set(TABLES["call_records"].bloom_columns)


def test_refuses_to_overwrite_a_bucket_it_did_not_write(base_settings, s3) -> None:
    bucket = f"writ-notlake-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="precious/data.csv", Body=b"a,b\n")
    settings = msgspec.structs.replace(base_settings, lake_bucket=bucket)
    with pytest.raises(LakeNotSynthetic):
        generate_lake(settings, 10, 1, months=1, layout=TEST_LAYOUT, progress=False)
    assert _keys(s3, bucket, "") == ["precious/data.csv"]


def test_regenerating_replaces_the_previous_synthetic_lake(base_settings, s3) -> None:
    bucket = f"writ-relake-{uuid.uuid4().hex[:10]}"  # not created: the generator makes it
    settings = msgspec.structs.replace(base_settings, lake_bucket=bucket)
    generate_lake(
        settings, 500, 1, start=dt.date(2025, 1, 1), months=3, layout=TEST_LAYOUT, progress=False
    )
    generate_lake(
        settings, 200, 2, start=dt.date(2026, 1, 1), months=1, layout=TEST_LAYOUT, progress=False
    )
    months = {month_in_key(k) for k in _keys(s3, bucket, "call_records/")}
    assert months == {"2026-01"}  # nothing of the first lake left behind
    assert read_manifest(s3, bucket).tables["call_records"] == 200
    assert MANIFEST_KEY in _keys(s3, bucket, "")
