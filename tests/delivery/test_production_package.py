"""The production package, built from real Parquet in the real object-locked SeaweedFS."""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile

import msgspec
import pytest
from botocore.exceptions import ClientError

from contracts.collection import PackageRequest
from contracts.enums import DataCategory
from services.delivery.keys import InvalidRequestId
from services.delivery.package import (
    PackageRequestIncomplete,
    ProductionConflict,
    build_production_package,
    load_collection,
    render_production,
    store_locked_file,
)
from services.delivery.signing import load_signer, published_keys
from services.delivery.verification import verify_package
from services.platform.objectstore import sha256_hex


def _get(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_every_manifest_digest_matches_the_stored_bytes(
    base_settings, s3, request_id, package_request
):
    package = build_production_package(package_request(request_id), base_settings, s3)

    bucket = base_settings.productions_bucket
    assert package.prefix == f"productions/{request_id}/"
    manifest_bytes = _get(s3, bucket, package.manifest_key)
    assert sha256_hex(manifest_bytes) == package.manifest_sha256
    manifest = json.loads(manifest_bytes)
    names = [entry["name"] for entry in manifest["files"]]
    assert names == ["subscriber_info.csv", "toll_records.csv", "records.json", "certificate.pdf"]
    for entry in manifest["files"]:
        stored = _get(s3, bucket, package.prefix + entry["name"])
        assert sha256_hex(stored) == entry["sha256"]
        assert len(stored) == entry["bytes"]
    assert sha256_hex(_get(s3, bucket, package.archive_key)) == package.archive_sha256
    assert manifest["total_records"] == package.total_records == 3


def test_objects_carry_the_server_verified_sha256_checksum(
    base_settings, s3, request_id, package_request
):
    package = build_production_package(package_request(request_id), base_settings, s3)

    head = s3.head_object(
        Bucket=base_settings.productions_bucket, Key=package.archive_key, ChecksumMode="ENABLED"
    )
    assert head["Metadata"]["sha256"] == package.archive_sha256
    if "ChecksumSHA256" in head:  # returned by AWS; optional on other S3 servers
        assert base64.b64decode(head["ChecksumSHA256"]).hex() == package.archive_sha256


def test_category_csv_has_exactly_the_declared_columns(
    base_settings, s3, request_id, package_request
):
    package = build_production_package(package_request(request_id), base_settings, s3)

    text = _get(
        s3, base_settings.productions_bucket, package.prefix + "subscriber_info.csv"
    ).decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["account_id", "name", "telephone_number", "activated_on"]
    assert rows[1] == ["A-1001", "Zoë Example", "+19195550142", "2021-03-04"]
    assert "internal_risk_score" not in text and "0.93" not in text

    tolls = _get(s3, base_settings.productions_bucket, package.prefix + "toll_records.csv").decode()
    toll_rows = list(csv.reader(io.StringIO(tolls, newline="")))
    assert toll_rows[0] == [
        "started_at",
        "calling_number",
        "called_number",
        "duration_seconds",
        "note",
    ]
    assert toll_rows[1] == [
        "2026-01-05T09:30:00+00:00",
        "+19195550142",
        "+14155550100",
        "62",
        'has "quotes", commas',
    ]
    assert toll_rows[2][-1] == ""  # null stays empty, not "None"


def test_records_json_groups_by_category_and_explains_no_data(
    base_settings, s3, request_id, package_request
):
    request = package_request(request_id)
    package = build_production_package(request, base_settings, s3)
    silent_number = next(t.target.value for t in request.collection.targets if t.rows == 0)

    records = json.loads(
        _get(s3, base_settings.productions_bucket, package.prefix + "records.json")
    )
    assert set(records["categories"]) == {"subscriber_info", "toll_records"}
    assert records["categories"]["toll_records"]["records"][1]["duration_seconds"] == 300
    silent = next(t for t in records["targets"] if t["value"] == silent_number)
    assert silent["outcome"] == "no_data"
    assert silent["no_data_reason"] == "number not assigned to a subscriber in the period"


def test_certificate_is_a_pdf_naming_request_and_digests(
    base_settings, s3, request_id, package_request
):
    package = build_production_package(package_request(request_id), base_settings, s3)

    pdf = _get(s3, base_settings.productions_bucket, package.prefix + "certificate.pdf")
    assert pdf.startswith(b"%PDF")
    assert request_id.encode() in pdf
    assert rb"902\(11\)" in pdf  # parentheses are escaped inside PDF strings
    for file in package.files:
        if file.name.endswith(".csv") or file.name == "records.json":
            assert file.sha256.encode() in pdf


def test_zip_holds_exactly_the_manifest_files_the_manifest_and_its_signature(
    base_settings, s3, request_id, package_request
):
    package = build_production_package(package_request(request_id), base_settings, s3)

    bucket = base_settings.productions_bucket
    manifest = json.loads(_get(s3, bucket, package.manifest_key))
    with zipfile.ZipFile(io.BytesIO(_get(s3, bucket, package.archive_key))) as archive:
        assert sorted(archive.namelist()) == sorted(
            [entry["name"] for entry in manifest["files"]] + ["manifest.json", "manifest.jws"]
        )
        for entry in manifest["files"]:
            assert sha256_hex(archive.read(entry["name"])) == entry["sha256"]
        assert sha256_hex(archive.read("manifest.json")) == package.manifest_sha256
        assert {info.date_time for info in archive.infolist()} == {(2026, 2, 14, 0, 0, 0)}


def test_rebuilding_converges_on_identical_digests(base_settings, s3, request_id, package_request):
    request = package_request(request_id)
    first = build_production_package(request, base_settings, s3)
    second = build_production_package(request, base_settings, s3)
    assert second == first


def test_retry_after_partial_upload_completes_with_the_same_bytes(
    base_settings, s3, request_id, package_request
):
    request = package_request(request_id)
    bucket = base_settings.productions_bucket
    # A first attempt that died after two uploads, before the archive and the manifest.
    rendered = render_production(
        request,
        load_collection(s3, base_settings.documents_bucket, request.collection),
        load_signer(base_settings),
    )
    for file in rendered.files[:2]:
        store_locked_file(s3, bucket, rendered.package(bucket).prefix + file.name, file)

    package = build_production_package(request, base_settings, s3)

    assert package == rendered.package(bucket)
    versions = s3.list_object_versions(Bucket=bucket, Prefix=package.prefix)["Versions"]
    # Identical objects were not uploaded again: one version per file.
    assert sorted(v["Key"] for v in versions) == sorted(
        package.prefix + name
        for name in [
            *(f.name for f in package.files),
            "manifest.json",
            "manifest.jws",
            "production.zip",
        ]
    )


def test_rendering_is_byte_deterministic(base_settings, s3, request_id, package_request):
    request = package_request(request_id)
    categories = load_collection(s3, base_settings.documents_bucket, request.collection)
    signer = load_signer(base_settings)
    first = render_production(request, categories, signer)
    assert first == render_production(request, categories, signer)


def test_the_package_is_signed_and_verifies_offline(base_settings, s3, request_id, package_request):
    """The downloaded zip carries manifest.jws; it verifies against the published keys,
    and the manifest states the request, authority, categories and certificate digest."""
    package = build_production_package(package_request(request_id), base_settings, s3)
    bucket = base_settings.productions_bucket
    archive = s3.get_object(Bucket=bucket, Key=package.archive_key)["Body"].read()
    result = verify_package(archive, published_keys(base_settings))
    assert result.intact, result.problems
    assert result.key_id == package.signature_key_id == load_signer(base_settings).kid
    assert package.signature_key == package.prefix + "manifest.jws"
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=package.manifest_key)["Body"].read())
    assert manifest["request_id"] == request_id and manifest["authority"]
    assert manifest["categories"] == [str(c) for c in package.categories]
    certificate = next(f for f in package.files if f.name == "certificate.pdf")
    assert manifest["certificate_sha256"] == certificate.sha256


def test_a_locked_package_version_cannot_be_deleted(base_settings, s3, request_id, package_request):
    package = build_production_package(package_request(request_id), base_settings, s3)

    bucket = base_settings.productions_bucket
    for key in (package.manifest_key, package.archive_key):
        version = s3.head_object(Bucket=bucket, Key=key)["VersionId"]
        with pytest.raises(ClientError) as refused:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version)
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert sha256_hex(_get(s3, bucket, package.archive_key)) == package.archive_sha256


def test_other_inputs_for_a_committed_request_are_a_conflict(
    base_settings, s3, request_id, package_request
):
    request = package_request(request_id)
    build_production_package(request, base_settings, s3)
    amended = PackageRequest(
        request_id=request.request_id,
        collection=request.collection,
        authority="Another warrant",
        certified_on=request.certified_on,
        provider_name=request.provider_name,
    )
    with pytest.raises(ProductionConflict):
        build_production_package(amended, base_settings, s3)


def test_collected_file_changed_since_collection_is_refused(
    base_settings, s3, request_id, package_request
):
    request = package_request(request_id)
    tampered = request.collection.files[0]
    s3.put_object(
        Bucket=base_settings.documents_bucket, Key=tampered.key, Body=b"not the collected bytes"
    )
    with pytest.raises(Exception, match="SHA-256 differs"):
        build_production_package(request, base_settings, s3)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"certified_on": None}, PackageRequestIncomplete),
        ({"provider_name": ""}, PackageRequestIncomplete),
        ({"request_id": "../escape"}, InvalidRequestId),
    ],
)
def test_requests_that_cannot_be_certified_are_refused(
    request_id, package_request, base_settings, s3, change, error
):
    request = msgspec.structs.replace(package_request(request_id), **change)
    with pytest.raises(error):
        build_production_package(request, base_settings, s3)


def test_the_package_names_the_categories_it_produced(
    base_settings, s3, request_id, package_request
):
    """What the CPNI disclosure log records: one category per CSV, from the builder itself
    (a retry that finds the committed package answers the same)."""
    request = package_request(request_id)
    package = build_production_package(request, base_settings, s3)
    csvs = [f.name.removesuffix(".csv") for f in package.files if f.name.endswith(".csv")]
    assert package.categories == [DataCategory.SUBSCRIBER_INFO, DataCategory.TOLL_RECORDS]
    assert [c.value for c in package.categories] == csvs
    assert build_production_package(request, base_settings, s3).categories == package.categories
