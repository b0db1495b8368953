"""S3 access: one boto3 client per process, bucket provisioning, and digests.

boto3 is blocking; async callers wrap these calls in ``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import time

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from services.platform.settings import Settings


def s3_client(settings: Settings) -> BaseClient:
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint or None,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key or None,
        aws_secret_access_key=settings.s3_secret_key or None,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 4, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
        ),
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _bucket_exists(client: BaseClient, bucket: str) -> bool:
    try:
        client.head_bucket(Bucket=bucket)
        return True
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchBucket", "NotFound"}:
            return False
        raise


def ensure_buckets(
    settings: Settings, client: BaseClient | None = None, timeout: float = 60.0
) -> None:
    """Create the buckets if missing; productions get object lock with COMPLIANCE retention.

    A freshly started SeaweedFS answers on its port before its volumes are writable, so
    creation is retried until ``timeout``.
    """
    client = client or s3_client(settings)
    deadline = time.monotonic() + timeout
    while True:
        try:
            _ensure_buckets_once(settings, client)
            return
        except (ClientError, EndpointConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _ensure_buckets_once(settings: Settings, client: BaseClient) -> None:
    for bucket in (settings.documents_bucket, settings.lake_bucket):
        if not _bucket_exists(client, bucket):
            client.create_bucket(Bucket=bucket)
    if not _bucket_exists(client, settings.productions_bucket):
        client.create_bucket(Bucket=settings.productions_bucket, ObjectLockEnabledForBucket=True)
        client.put_object_lock_configuration(
            Bucket=settings.productions_bucket,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {
                    "DefaultRetention": {
                        "Mode": "COMPLIANCE",
                        "Days": settings.production_retention_days,
                    }
                },
            },
        )


def check_reachable(settings: Settings, client: BaseClient | None = None) -> None:
    """Raise unless the documents bucket answers; used by ``/readyz``."""
    (client or s3_client(settings)).head_bucket(Bucket=settings.documents_bucket)
