"""Collection and delivery payloads: only references (S3 keys, counts, digests) ever
travel through workflow history, never the records themselves (docs/architecture.md §3, §5)."""

from __future__ import annotations

import datetime as dt

import msgspec

from contracts.determination import LegalEntity
from contracts.enums import DataCategory
from contracts.legal_process import Identifier, Period


class CollectionRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Activity argument: collect exactly the approved scope."""

    request_id: str
    targets: list[Identifier]
    categories: list[DataCategory]
    period: Period
    # The US parent or the EU subsidiary: each target is read only among that entity's
    # customers (GDPR Art. 48). ``target_entities`` names the entity per target (normalised
    # value) as the determination found it; a target it does not name is read among
    # ``legal_entity``'s. Histories from before either field collect from the US parent.
    legal_entity: LegalEntity = LegalEntity.US
    target_entities: dict[str, LegalEntity] = {}

    def entity_of(self, target: Identifier) -> LegalEntity:
        return self.target_entities.get(target.value, self.legal_entity)


class CollectedFile(msgspec.Struct, frozen=True, kw_only=True):
    category: DataCategory
    table: str
    key: str  # S3 key in the documents/working bucket
    rows: int
    sha256: str
    columns: list[str] = []


class TargetOutcome(msgspec.Struct, frozen=True, kw_only=True):
    target: Identifier
    rows: int
    no_data_reason: str = ""  # set when the provider held nothing for this target in the period
    accounts: list[str] = []  # accounts the records were attributed to


class CollectionResult(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    files: list[CollectedFile] = []
    targets: list[TargetOutcome] = []

    @property
    def total_rows(self) -> int:
        return sum(f.rows for f in self.files)


class PackageRequest(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    collection: CollectionResult
    authority: str  # e.g. "Search warrant, Wake County Superior Court, 2026-CR-004211"
    agency_name: str = ""
    custodian_name: str = "Custodian of Records"
    certified_on: dt.date | None = None
    # The legal entity whose records these are, as named on the 902(11) certificate
    # (the US parent or the EU subsidiary); the package builder refuses an empty one.
    provider_name: str = ""
    # The period produced, stated in the signed manifest.
    period: Period | None = None


class PackagedFile(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    sha256: str
    bytes: int


class ProductionPackage(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    bucket: str
    prefix: str
    manifest_key: str
    manifest_sha256: str
    archive_key: str = ""  # one zip of the whole package, what the agency downloads
    archive_sha256: str = ""
    files: list[PackagedFile] = []
    total_records: int = 0
    # The categories produced (one CSV each), as the package builder wrote them: what the
    # CPNI disclosure log records.
    categories: list[DataCategory] = []
    # The detached JWS over the manifest (``manifest.jws``) and the key that made it.
    signature_key: str = ""
    signature_key_id: str = ""


class DeliveryRequest(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    agency_id: str
    package: ProductionPackage


class DeliveryReceipt(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    webhook_acknowledged: bool = False
    webhook_attempts: int = 0
    email_sent: bool = False
    delivered_at: dt.datetime | None = None
