"""Build the production package for one request in the object-locked productions bucket.

Layout under ``productions/{request_id}/``: one ``<category>.csv`` per category,
``records.json``, ``certificate.pdf``, ``manifest.json`` (the request, authority, period
and categories produced, and the SHA-256 and size of each of those files),
``manifest.jws`` (the provider's detached signature over the manifest, see ``signing``)
and ``production.zip`` (all of them; what the agency downloads).

Idempotency under object lock: a locked version can never be deleted or replaced, only
superseded, so a retry must not depend on cleaning up. Every file is rendered
byte-deterministically from the request alone, each upload is skipped when an object
with the same digest is already there, and ``manifest.json`` is written last: its
presence is the commit marker, and a retry that finds a complete one returns it as is.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from typing import Any

import msgspec
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from contracts.collection import (
    CollectedFile,
    CollectionResult,
    PackagedFile,
    PackageRequest,
    ProductionPackage,
)
from contracts.enums import DataCategory
from services.delivery.certificate import (
    CertificateFacts,
    CertifiedFile,
    render_certificate,
)
from services.delivery.keys import (
    ARCHIVE_NAME,
    CERTIFICATE_NAME,
    MANIFEST_NAME,
    RECORDS_NAME,
    category_file_name,
    checked_request_id,
    production_prefix,
)
from services.delivery.records import (
    CategoryRecords,
    canonical_json,
    merge_category,
    pretty_json,
    read_collected_file,
    render_csv,
    render_records_json,
)
from services.delivery.signing import (
    SIGNATURE_NAME,
    ProductionSigner,
    load_signer,
    signature_key_id,
)
from services.platform.objectstore import sha256_hex
from services.platform.settings import Settings

MANIFEST_FORMAT = "writ-production-manifest/2"
_CATEGORY_ORDER = {category: index for index, category in enumerate(DataCategory)}


class PackageRequestIncomplete(ValueError):
    """The request lacks what a certificate needs; retrying will not supply it."""


class ProductionConflict(Exception):
    """A different package was already committed for this request id.

    Its objects are locked and cannot be replaced; a corrected or supplemental production
    needs its own request id. Not retryable.
    """


class RenderedFile(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    data: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        return sha256_hex(self.data)

    def packaged(self) -> PackagedFile:
        return PackagedFile(name=self.name, sha256=self.sha256, bytes=len(self.data))


class RenderedProduction(msgspec.Struct, frozen=True, kw_only=True):
    """Every byte of a package, before any of it is stored."""

    request_id: str
    files: list[RenderedFile]  # the manifest's entries: data files, records.json, certificate
    manifest: RenderedFile
    signature: RenderedFile
    signature_key_id: str
    archive: RenderedFile
    total_records: int
    categories: list[DataCategory] = []  # one CSV each, in DataCategory order

    def upload_order(self) -> list[RenderedFile]:
        # The manifest goes last: it marks the package complete for any retry.
        return [*self.files, self.signature, self.archive, self.manifest]

    def package(self, bucket: str) -> ProductionPackage:
        prefix = production_prefix(self.request_id)
        return ProductionPackage(
            request_id=self.request_id,
            bucket=bucket,
            prefix=prefix,
            manifest_key=prefix + MANIFEST_NAME,
            manifest_sha256=self.manifest.sha256,
            archive_key=prefix + ARCHIVE_NAME,
            archive_sha256=self.archive.sha256,
            files=[f.packaged() for f in self.files],
            total_records=self.total_records,
            categories=list(self.categories),
            signature_key=prefix + SIGNATURE_NAME,
            signature_key_id=self.signature_key_id,
        )


# --- entry point -------------------------------------------------------------------------


def build_production_package(
    request: PackageRequest, settings: Settings, s3: BaseClient
) -> ProductionPackage:
    """Render, store and return the package; safe to call again after any failure."""
    check_package_request(request)
    bucket = settings.productions_bucket
    inputs_sha256 = build_inputs_sha256(request)
    signer = load_signer(settings)
    committed = find_committed_package(s3, bucket, request.request_id, inputs_sha256)
    if committed is not None:
        return msgspec.structs.replace(committed, categories=produced_categories(request))
    categories = load_collection(s3, settings.documents_bucket, request.collection)
    rendered = render_production(request, categories, signer)
    prefix = production_prefix(request.request_id)
    for file in rendered.upload_order():
        store_locked_file(s3, bucket, prefix + file.name, file)
    return rendered.package(bucket)


def check_package_request(request: PackageRequest) -> None:
    checked_request_id(request.request_id)
    if request.collection.request_id != request.request_id:
        raise PackageRequestIncomplete("the collection belongs to another request")
    if request.certified_on is None:
        # The date is printed on the certificate and fixed in the zip, so it must come
        # from the workflow (deterministic), never from this worker's clock.
        raise PackageRequestIncomplete("certified_on is required to date the certificate")
    if not request.provider_name.strip():
        raise PackageRequestIncomplete("provider_name is required: the certificate names it")
    if not request.authority.strip():
        raise PackageRequestIncomplete("authority is required: the certificate cites it")


# --- rendering (pure) ----------------------------------------------------------------------


def produced_categories(request: PackageRequest) -> list[DataCategory]:
    """The categories the package holds a CSV of: those collected, in DataCategory order."""
    collected = {DataCategory(f.category) for f in request.collection.files}
    return sorted(collected, key=_CATEGORY_ORDER.__getitem__)


def render_production(
    request: PackageRequest, categories: Sequence[CategoryRecords], signer: ProductionSigner
) -> RenderedProduction:
    """All files of the package from the request and its loaded records; no I/O, no clock.
    Ed25519 signatures are deterministic, so the same inputs give the same bytes."""
    check_package_request(request)
    assert request.certified_on is not None  # checked above; narrows the type
    ordered = sorted(categories, key=lambda c: _CATEGORY_ORDER[DataCategory(c.category)])
    data_files = [
        RenderedFile(
            name=category_file_name(c.category),
            data=render_csv(c),
            content_type="text/csv; charset=utf-8",
        )
        for c in ordered
    ]
    records = RenderedFile(
        name=RECORDS_NAME,
        data=render_records_json(request.request_id, ordered, request.collection.targets),
        content_type="application/json",
    )
    total_records = sum(len(c.records) for c in ordered)
    certificate = RenderedFile(
        name=CERTIFICATE_NAME,
        data=render_certificate(_certificate_facts(request, ordered, data_files, records)),
        content_type="application/pdf",
    )
    files = [*data_files, records, certificate]
    manifest = RenderedFile(
        name=MANIFEST_NAME,
        data=render_manifest(request, files, total_records, ordered, certificate),
        content_type="application/json",
    )
    signature = RenderedFile(
        name=SIGNATURE_NAME,
        data=signer.sign(manifest.data).encode("ascii"),
        content_type="application/jose",
    )
    archive = RenderedFile(
        name=ARCHIVE_NAME,
        data=render_archive([*files, manifest, signature], request.certified_on),
        content_type="application/zip",
    )
    return RenderedProduction(
        request_id=request.request_id,
        files=files,
        manifest=manifest,
        signature=signature,
        signature_key_id=signer.kid,
        archive=archive,
        total_records=total_records,
        categories=[DataCategory(c.category) for c in ordered],
    )


def _certificate_facts(
    request: PackageRequest,
    categories: Sequence[CategoryRecords],
    data_files: Sequence[RenderedFile],
    records: RenderedFile,
) -> CertificateFacts:
    assert request.certified_on is not None
    certified = [
        CertifiedFile(
            name=file.name, sha256=file.sha256, records=len(c.records), category=c.category
        )
        for c, file in zip(categories, data_files, strict=True)
    ]
    total = sum(len(c.records) for c in categories)
    certified.append(CertifiedFile(name=records.name, sha256=records.sha256, records=total))
    targets = request.collection.targets
    return CertificateFacts(
        request_id=request.request_id,
        provider_name=request.provider_name,
        custodian_name=request.custodian_name,
        authority=request.authority,
        agency_name=request.agency_name,
        certified_on=request.certified_on,
        files=certified,
        targets_total=len(targets),
        targets_without_data=sum(1 for t in targets if t.rows == 0),
    )


def render_manifest(
    request: PackageRequest,
    files: Sequence[RenderedFile],
    total_records: int,
    categories: Sequence[CategoryRecords],
    certificate: RenderedFile,
) -> bytes:
    """What the signature vouches for: which request, under what authority, for which
    period and categories, by whom, and the digest of every file."""
    assert request.certified_on is not None
    period = request.period
    return pretty_json(
        {
            "format": MANIFEST_FORMAT,
            "request_id": request.request_id,
            "provider": request.provider_name,
            "agency": request.agency_name,
            "authority": request.authority,
            "period": {"start": period.start.isoformat(), "end": period.end.isoformat()}
            if period
            else None,
            "categories": [str(DataCategory(c.category)) for c in categories],
            "certified_on": request.certified_on.isoformat(),
            "certificate_sha256": certificate.sha256,
            "total_records": total_records,
            "files": [msgspec.to_builtins(f.packaged()) for f in files],
            "archive": ARCHIVE_NAME,
            # Lets a retry tell "my own earlier attempt" from "a different package".
            "build_inputs_sha256": build_inputs_sha256(request),
        }
    )


def render_archive(files: Sequence[RenderedFile], certified_on: dt.date) -> bytes:
    """A zip whose bytes depend only on its contents: fixed time, mode and creator."""
    timestamp = (certified_on.year, certified_on.month, certified_on.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in files:
            info = zipfile.ZipInfo(file.name, date_time=timestamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever OS the worker runs on
            info.external_attr = 0o100644 << 16  # a regular read-only-for-others file
            archive.writestr(info, file.data, compresslevel=9)
    return buffer.getvalue()


def build_inputs_sha256(request: PackageRequest) -> str:
    """Digest of exactly what shapes the package's bytes.

    Fields are picked by name (not the whole Struct) so that a contract field added
    later does not make an old committed package look like a conflict.
    """
    collection = request.collection
    inputs: dict[str, Any] = {
        "request_id": request.request_id,
        "authority": request.authority,
        "agency_name": request.agency_name,
        "custodian_name": request.custodian_name,
        "provider_name": request.provider_name,
        "certified_on": request.certified_on.isoformat() if request.certified_on else None,
        "files": [
            [str(f.category), f.key, f.sha256, f.rows, list(f.columns)] for f in collection.files
        ],
        "targets": [
            [str(t.target.kind), t.target.value, t.rows, t.no_data_reason, list(t.accounts)]
            for t in collection.targets
        ],
    }
    if request.period is not None:  # absent from packages built before it was stated
        inputs["period"] = [request.period.start.isoformat(), request.period.end.isoformat()]
    return hashlib.sha256(canonical_json(inputs)).hexdigest()


# --- reading the collection ----------------------------------------------------------------


def load_collection(
    s3: BaseClient, documents_bucket: str, collection: CollectionResult
) -> list[CategoryRecords]:
    by_category: dict[DataCategory, list[CollectedFile]] = {}
    for collected in collection.files:
        by_category.setdefault(DataCategory(collected.category), []).append(collected)
    return [
        merge_category(
            category,
            [read_collected_file(f, _get_bytes(s3, documents_bucket, f.key)) for f in files],
        )
        for category, files in by_category.items()
    ]


def _get_bytes(s3: BaseClient, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


# --- storing under object lock -------------------------------------------------------------


def store_locked_file(s3: BaseClient, bucket: str, key: str, file: RenderedFile) -> None:
    """Upload unless an identical object is already there (a retry after a partial upload).

    A differing object is superseded by a new version rather than replaced: under
    COMPLIANCE retention that is all S3 allows, and the manifest written afterwards
    names the digests of the current versions.
    """
    if stored_digest(s3, bucket, key) == (file.sha256, len(file.data)):
        return
    digest = hashlib.sha256(file.data).digest()
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=file.data,
        ContentType=file.content_type,
        # The server verifies the body against this, so a corrupted upload fails loudly.
        ChecksumAlgorithm="SHA256",
        ChecksumSHA256=base64.b64encode(digest).decode("ascii"),
        # Hex digest kept as metadata too: HEAD returns it on every S3 implementation.
        Metadata={"sha256": file.sha256},
    )


def stored_digest(s3: BaseClient, bucket: str, key: str) -> tuple[str, int] | None:
    """(sha256 hex, size) of the current version of ``key``, or None if there is none."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if _is_not_found(exc):
            return None
        raise
    return head.get("Metadata", {}).get("sha256", ""), int(head["ContentLength"])


def find_committed_package(
    s3: BaseClient, bucket: str, request_id: str, inputs_sha256: str
) -> ProductionPackage | None:
    """The package a previous attempt finished, if its manifest and every file are in place."""
    prefix = production_prefix(request_id)
    try:
        manifest_bytes = _get_bytes(s3, bucket, prefix + MANIFEST_NAME)
    except ClientError as exc:
        if _is_not_found(exc):
            return None
        raise
    manifest = json.loads(manifest_bytes)
    if manifest.get("build_inputs_sha256") != inputs_sha256:
        raise ProductionConflict(
            f"request {request_id} already has a committed production built from other inputs"
        )
    files = [msgspec.convert(entry, PackagedFile) for entry in manifest["files"]]
    for file in files:
        if stored_digest(s3, bucket, prefix + file.name) != (file.sha256, file.bytes):
            return None  # incomplete (should not happen: the manifest is written last)
    archive = stored_digest(s3, bucket, prefix + ARCHIVE_NAME)
    if archive is None or not archive[0]:
        return None
    try:
        signature = _get_bytes(s3, bucket, prefix + SIGNATURE_NAME).decode("ascii")
    except ClientError as exc:
        if _is_not_found(exc):
            return None
        raise
    return ProductionPackage(
        request_id=request_id,
        bucket=bucket,
        prefix=prefix,
        manifest_key=prefix + MANIFEST_NAME,
        manifest_sha256=sha256_hex(manifest_bytes),
        archive_key=prefix + ARCHIVE_NAME,
        archive_sha256=archive[0],
        files=files,
        total_records=int(manifest.get("total_records", 0)),
        signature_key=prefix + SIGNATURE_NAME,
        signature_key_id=signature_key_id(signature),
    )


def _is_not_found(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}
