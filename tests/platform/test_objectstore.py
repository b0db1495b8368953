"""The productions bucket really is object-locked on the real S3 server."""

import pytest
from botocore.exceptions import ClientError

from services.platform.objectstore import ensure_buckets


def test_buckets_are_created_idempotently(base_settings, s3):
    ensure_buckets(base_settings, s3)  # a second run must not fail
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert {base_settings.documents_bucket, base_settings.productions_bucket} <= names


def test_locked_production_cannot_be_deleted(base_settings, s3):
    bucket = base_settings.productions_bucket
    put = s3.put_object(Bucket=bucket, Key="lock-probe/manifest.json", Body=b"{}")
    with pytest.raises(ClientError) as err:
        s3.delete_object(Bucket=bucket, Key="lock-probe/manifest.json", VersionId=put["VersionId"])
    assert err.value.response["Error"]["Code"] == "AccessDenied"
