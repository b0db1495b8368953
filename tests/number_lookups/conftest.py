"""The carrier tests' planted lake plus one reseller's number, generated into buckets of
this package's own in the session's real SeaweedFS; the API under test reads it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import msgspec
import pytest

from services.carrier.manifest import LakeManifest
from services.carrier.synthetic.generator import generate_lake
from services.platform.settings import Settings
from tests.carrier.conftest import LAKE_ROWS, LAKE_SEED, TEST_LAYOUT, _empty_and_delete
from tests.carrier.planted import FIXTURES, at

RESOLD = "+19195550104"
RESELLER_ACCOUNT = "ACPLANTEDRESELLER"
RESELLER_CUSTOMER = "Acme Wireless LLC"
RESOLD_FROM = dt.date(2025, 2, 1)

RESELLER = {
    **FIXTURES["subscribers"][0],
    "account_id": RESELLER_ACCOUNT,
    "name": "Wholesale Desk",
    "email": "wholesale.planted@mail.example",
    "is_reseller": True,
    "reseller_customer_name": RESELLER_CUSTOMER,
}
LOOKUP_FIXTURES = {
    **FIXTURES,
    "subscribers": [*FIXTURES["subscribers"], RESELLER],
    "number_assignments": [
        *FIXTURES["number_assignments"],
        {
            "number": RESOLD,
            "account_id": RESELLER_ACCOUNT,
            "assigned_from": at(RESOLD_FROM.isoformat(), "00:00:00"),
            "assigned_to": None,
            "assignment_type": "new",
            "end_reason": None,
        },
    ],
}


@pytest.fixture(scope="module")
def lookup_lake(base_settings: Settings, s3) -> Iterator[str]:
    """The lake bucket's name."""
    bucket = f"writ-lookup-lake-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    manifest: LakeManifest = generate_lake(
        msgspec.structs.replace(base_settings, lake_bucket=bucket),
        LAKE_ROWS,
        LAKE_SEED,
        start=dt.date(2025, 1, 1),
        months=6,
        layout=TEST_LAYOUT,
        fixtures=LOOKUP_FIXTURES,
        progress=False,
    )
    assert manifest
    yield bucket
    _empty_and_delete(s3, bucket)


@pytest.fixture
def service_settings(settings: Settings, task_queue: str, lookup_lake: str) -> Settings:
    return msgspec.structs.replace(
        settings, task_queue=task_queue, lake_bucket=lookup_lake, rate_limit_number_lookups=""
    )
