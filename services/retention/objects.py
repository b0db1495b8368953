"""Purging objects from S3 under object lock: every version under a prefix is deleted unless
S3 still protects it. A version whose COMPLIANCE/GOVERNANCE retention has not ended, or
that carries an S3 legal hold, is skipped (never bypassed) and counted, so the purge
tries it again on a later run instead of failing (docs/architecture.md §11).

Blocking boto3 calls: async callers run these in a thread.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from botocore.exceptions import ClientError


class ObjectPurge(msgspec.Struct, kw_only=True):
    deleted: int = 0
    locked: int = 0

    @property
    def complete(self) -> bool:
        return self.locked == 0


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def version_locked(s3: Any, bucket: str, key: str, version_id: str, now: dt.datetime) -> bool:
    """Whether S3 still protects this version: retention until a later date, or a legal hold.
    S3 enforces locks on its own clock, so ``now`` is the wall clock, not a workflow's."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key, VersionId=version_id)
    except ClientError as exc:
        if _code(exc) in {"404", "NoSuchKey", "NoSuchVersion", "NotFound"}:
            return False
        raise
    if head.get("ObjectLockLegalHoldStatus") == "ON":
        return True
    until = head.get("ObjectLockRetainUntilDate")
    return until is not None and until > now


def purge_prefix(
    s3: Any, bucket: str, prefix: str, *, now: dt.datetime | None = None
) -> ObjectPurge:
    """Delete every version (and delete marker) under ``prefix`` that is not locked.
    Idempotent: an empty prefix is a purge of nothing."""
    outcome = ObjectPurge()
    now = now or dt.datetime.now(dt.UTC)
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix)
    for page in pages:
        for version in page.get("Versions", []):
            _delete_version(s3, bucket, version, now, outcome, check=True)
        for marker in page.get("DeleteMarkers", []):
            _delete_version(s3, bucket, marker, now, outcome, check=False)
    return outcome


def purge_key(s3: Any, bucket: str, key: str, *, now: dt.datetime | None = None) -> ObjectPurge:
    """Every version of exactly ``key`` (a prefix listing, filtered to the key)."""
    outcome = ObjectPurge()
    now = now or dt.datetime.now(dt.UTC)
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key)
    for page in pages:
        for version in page.get("Versions", []):
            if version["Key"] == key:
                _delete_version(s3, bucket, version, now, outcome, check=True)
        for marker in page.get("DeleteMarkers", []):
            if marker["Key"] == key:
                _delete_version(s3, bucket, marker, now, outcome, check=False)
    return outcome


def _delete_version(
    s3: Any, bucket: str, version: dict, now: dt.datetime, outcome: ObjectPurge, *, check: bool
) -> None:
    key, version_id = version["Key"], version.get("VersionId") or "null"
    if check and version_locked(s3, bucket, key, version_id, now):
        outcome.locked += 1
        return
    try:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)
    except ClientError as exc:
        if _code(exc) in {"AccessDenied", "InvalidRequest"}:
            # Locked after all (a clock skew, or a lock set meanwhile): next run.
            outcome.locked += 1
            return
        if _code(exc) in {"404", "NoSuchKey", "NoSuchVersion"}:
            return
        raise
    outcome.deleted += 1
