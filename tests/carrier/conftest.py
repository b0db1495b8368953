"""A small generated lake in the session's real SeaweedFS, in buckets of its own.

Other suites share the session's S3, so this module's lake and collections live in
freshly named buckets; the layout is scaled down (4 buckets) so a few thousand rows still
fill several row groups and partitions.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterator

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from contracts.collection import CollectedFile, CollectionRequest
from contracts.determination import LegalEntity
from contracts.enums import DataCategory, IdentifierKind
from contracts.legal_process import Identifier, Period
from services.carrier.layout import LakeLayout
from services.carrier.manifest import LakeManifest
from services.carrier.synthetic.generator import generate_lake
from services.platform.objectstore import sha256_hex
from services.platform.settings import Settings
from tests.carrier.planted import FIXTURES

TEST_LAYOUT = LakeLayout(bucket_count=4, row_group_rows=1024)
LAKE_ROWS = 4000
LAKE_SEED = 20250101


def _empty_and_delete(s3, bucket: str) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)


@pytest.fixture(scope="module")
def lake_settings(base_settings: Settings, s3) -> Iterator[Settings]:
    suffix = uuid.uuid4().hex[:10]
    settings = msgspec.structs.replace(
        base_settings, lake_bucket=f"writ-lake-{suffix}", documents_bucket=f"writ-collect-{suffix}"
    )
    for bucket in (settings.lake_bucket, settings.documents_bucket):
        s3.create_bucket(Bucket=bucket)
    yield settings
    for bucket in (settings.lake_bucket, settings.documents_bucket):
        _empty_and_delete(s3, bucket)


@pytest.fixture(scope="module")
def lake(lake_settings: Settings) -> LakeManifest:
    return generate_lake(
        lake_settings,
        LAKE_ROWS,
        LAKE_SEED,
        start=dt.date(2025, 1, 1),
        months=6,
        layout=TEST_LAYOUT,
        fixtures=FIXTURES,
        progress=False,
    )


def number(value: str) -> Identifier:
    return Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value=value)


def make_request(
    targets: list[Identifier],
    categories: list[DataCategory],
    start: str = "2025-01-01",
    end: str = "2025-06-30",
    legal_entity: LegalEntity = LegalEntity.US,
) -> CollectionRequest:
    return CollectionRequest(
        request_id=f"lr-{uuid.uuid4().hex[:12]}",
        targets=targets,
        categories=categories,
        period=Period(start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end)),
        legal_entity=legal_entity,
    )


def read_back(s3, settings: Settings, collected: CollectedFile) -> pa.Table:
    """The produced file as an agency would get it, checked against the reported digest."""
    body = s3.get_object(Bucket=settings.documents_bucket, Key=collected.key)["Body"].read()
    assert sha256_hex(body) == collected.sha256
    table = pq.read_table(io.BytesIO(body))
    assert table.num_rows == collected.rows
    return table
