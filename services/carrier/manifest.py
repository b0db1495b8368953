"""The lake's manifest, ``_lake.json`` at the bucket root: its layout and what it holds.

Readers take the bucket count from here rather than from code, so a lake written with
another layout is read correctly instead of silently yielding nothing. The generator writes
an incomplete manifest before touching anything and the complete one last, so a reader
never mistakes a half-written lake for a whole one.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from services.carrier.layout import MANIFEST_KEY, LakeLayout

FORMAT = "writ-carrier-lake/1"


class SyntheticParameters(msgspec.Struct, frozen=True, kw_only=True):
    rows: int
    seed: int
    start: dt.date
    months: int


class LakeManifest(msgspec.Struct, frozen=True, kw_only=True):
    format: str = FORMAT
    layout: LakeLayout = LakeLayout()
    complete: bool = False
    # Set on generated lakes only: the generator will replace a synthetic lake, never real data.
    synthetic: SyntheticParameters | None = None
    tables: dict[str, int] = {}  # rows per table


class LakeUnavailable(RuntimeError):
    """The lake has no complete manifest (being generated, or not a Writ lake)."""


def read_manifest(client: BaseClient, bucket: str) -> LakeManifest | None:
    try:
        body = client.get_object(Bucket=bucket, Key=MANIFEST_KEY)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
            return None
        raise
    return msgspec.json.decode(body, type=LakeManifest)


def write_manifest(client: BaseClient, bucket: str, manifest: LakeManifest) -> None:
    client.put_object(
        Bucket=bucket,
        Key=MANIFEST_KEY,
        Body=msgspec.json.format(msgspec.json.encode(manifest), indent=2),
        ContentType="application/json",
    )


def require_complete(client: BaseClient, bucket: str) -> LakeManifest:
    manifest = read_manifest(client, bucket)
    if manifest is None or not manifest.complete:
        raise LakeUnavailable(
            f"s3://{bucket} has no complete {MANIFEST_KEY}: not a usable carrier lake"
        )
    if manifest.format != FORMAT:
        raise LakeUnavailable(
            f"s3://{bucket} is format {manifest.format!r}, this reader knows {FORMAT!r}"
        )
    return manifest
