"""Helpers for the delivery tests: real Parquet in the real (session) SeaweedFS."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from contracts.collection import CollectedFile, CollectionResult, PackageRequest, TargetOutcome
from contracts.enums import DataCategory, IdentifierKind
from contracts.legal_process import Identifier
from services.platform.objectstore import sha256_hex

TARGET_NUMBER = "+19195550142"
SILENT_NUMBER = "+19195550199"


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


@pytest.fixture
def request_id() -> str:
    # The S3 server is shared by the whole session: every test gets its own prefix.
    return f"lp-{uuid.uuid4()}"


@pytest.fixture
def put_collected(base_settings, s3) -> Callable[..., CollectedFile]:
    """Write a Parquet table to the documents bucket as the collector would."""

    def put(
        request_id: str, category: DataCategory, table: pa.Table, columns: list[str]
    ) -> CollectedFile:
        data = parquet_bytes(table)
        key = f"collections/{request_id}/{category}.parquet"
        s3.put_object(Bucket=base_settings.documents_bucket, Key=key, Body=data)
        return CollectedFile(
            category=category,
            table=f"lake.{category}",
            key=key,
            rows=table.num_rows,
            sha256=sha256_hex(data),
            columns=columns,
        )

    return put


@pytest.fixture
def package_request(put_collected) -> Callable[[str], PackageRequest]:
    """A realistic request: subscriber info and toll records, one target without data."""

    def make(request_id: str) -> PackageRequest:
        subscriber = pa.table(
            {
                "account_id": ["A-1001"],
                "name": ["Zoë Example"],
                "telephone_number": [TARGET_NUMBER],
                "activated_on": [dt.date(2021, 3, 4)],
                "internal_risk_score": [0.93],  # collected but not in scope: must not appear
            }
        )
        tolls = pa.table(
            {
                "started_at": pa.array(
                    [
                        dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC),
                        dt.datetime(2026, 1, 6, 18, 2, 11, tzinfo=dt.UTC),
                    ],
                    type=pa.timestamp("s", tz="UTC"),
                ),
                "calling_number": [TARGET_NUMBER, "+14155550100"],
                "called_number": ["+14155550100", TARGET_NUMBER],
                "duration_seconds": [62, 300],
                "note": ['has "quotes", commas', None],
            }
        )
        files = [
            put_collected(
                request_id,
                DataCategory.SUBSCRIBER_INFO,
                subscriber,
                ["account_id", "name", "telephone_number", "activated_on"],
            ),
            put_collected(
                request_id,
                DataCategory.TOLL_RECORDS,
                tolls,
                ["started_at", "calling_number", "called_number", "duration_seconds", "note"],
            ),
        ]
        targets = [
            TargetOutcome(
                target=Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value=TARGET_NUMBER),
                rows=3,
                accounts=["A-1001"],
            ),
            TargetOutcome(
                target=Identifier(kind=IdentifierKind.TELEPHONE_NUMBER, value=SILENT_NUMBER),
                rows=0,
                no_data_reason="number not assigned to a subscriber in the period",
            ),
        ]
        return PackageRequest(
            request_id=request_id,
            collection=CollectionResult(request_id=request_id, files=files, targets=targets),
            authority="Search warrant, Wake County Superior Court, 2026-CR-004211",
            agency_name="Raleigh Police Department",
            custodian_name="Jordan Lee",
            certified_on=dt.date(2026, 2, 14),
            provider_name="Example Communications, Inc.",
        )

    return make
