"""One typed settings object, read once from ``WRIT_*`` environment variables.

Every default is for the embedded local stack (``writ up``); production sets the
variables to point at a Temporal cluster, PostgreSQL and S3.
"""

from __future__ import annotations

import base64
import functools
import os
from pathlib import Path
from typing import Literal

import msgspec

from contracts.reporting import NationalSecurityOption  # transparency report (§10)

Mode = Literal["local", "production"]


class SettingsError(ValueError):
    """A ``WRIT_*`` setting is missing, malformed or contradicts another."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    mode: Mode = "local"
    data_dir: str = ".writ"

    # Case register: SQLAlchemy URL. Plain ``postgresql://`` is accepted and mapped to asyncpg.
    database_url: str = ""

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    # A secured Temporal (a cluster with TLS or mTLS, or Temporal Cloud). TLS is on when
    # ``temporal_tls`` is true or any file below is set; PEM files. The CA verifies the
    # server (empty: the system's roots); cert + key identify this process (mTLS); the
    # server name overrides the host name the certificate must carry.
    temporal_tls: bool = False
    temporal_tls_ca_file: str = ""
    temporal_tls_cert_file: str = ""
    temporal_tls_key_file: str = ""
    temporal_tls_server_name: str = ""
    # Temporal Cloud API key (sent as a bearer token; implies TLS).
    temporal_api_key: str = ""
    task_queue: str = "writ-legal-process"
    # host:port where ``writ worker`` serves the Temporal SDK's Prometheus metrics; empty: off.
    worker_metrics_address: str = ""
    # 32 bytes, base64. Encrypts every Temporal payload (AES-GCM) so history holds no plaintext.
    payload_key: str = ""
    # The id written beside each payload; after a rotation the old keys stay readable:
    # ``id:base64-key`` pairs, comma-separated (docs/runbook.md, "Rotating the payload key").
    payload_key_id: str = "default"
    payload_previous_keys: str = ""

    s3_endpoint: str = "http://127.0.0.1:8333"
    s3_region: str = "us-east-1"
    s3_access_key: str = "writ"
    s3_secret_key: str = "writ-local-secret"
    documents_bucket: str = "writ-documents"
    productions_bucket: str = "writ-productions"
    lake_bucket: str = "writ-carrier-lake"
    production_retention_days: int = 365
    # Ed25519 key that signs every production's manifest (base64 of the 32-byte private key;
    # `writ up` makes one in the data directory). Previous public keys, as a JWKS file,
    # stay published after a rotation so older productions keep verifying.
    production_signing_key: str = ""
    production_previous_keys_file: str = ""

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Scaling on one machine (docs/scaling.md): API processes ``writ api`` runs behind its
    # one port (uvicorn's workers; 0: one per CPU core), and ``writ worker`` processes
    # ``writ up`` runs, each with its activity slots and its thread pool for the blocking
    # calls (boto3, DuckDB, PDF rendering) that never run on the event loop.
    api_workers: int = 1
    worker_processes: int = 1
    worker_activity_slots: int = 32
    worker_activity_threads: int = 32  # as many as the slots: no blocking activity queues
    public_base_url: str = ""

    jwt_issuer: str = "writ-local"
    jwt_audience: str = "writ"
    jwt_hs256_secret: str = "writ-local-development-secret-change-me"
    jwks_url: str = ""

    max_document_bytes: int = 20 * 1024 * 1024
    # Abuse limits per agency (docs/configuration.md "Abuse limits"): ``limits`` strings
    # such as "60/minute" or "10/second;500/day", counted per API process; empty: off.
    rate_limit_submissions: str = "60/minute;2000/day"
    rate_limit_downloads: str = "120/minute"
    # Number ownership lookups by agencies (issue 11): each is a question about a number.
    rate_limit_number_lookups: str = "30/minute;500/day"

    # The legal entity named on records custodians' certificates.
    provider_name: str = "Writ Communications, Inc."
    policy_file: str = ""

    # Retention (docs/architecture.md §11; docs/operations.md "Retention and legal holds"):
    # days each class is kept after its request closed (disclosure log: after the
    # disclosure; audit log: after the event). The legal floors are enforced at load.
    retention_case_records_days: int = 7 * 365
    retention_documents_days: int = 7 * 365
    retention_productions_days: int = 7 * 365
    retention_collections_days: int = 365
    retention_audit_log_days: int = 7 * 365
    retention_disclosure_log_days: int = 5 * 365  # at least 365: 47 CFR §64.2009(c)
    retention_toll_records_days: int = 3 * 365  # at least 548 (18 months): 47 CFR §42.6
    retention_every_hours: int = 24  # how often the retention schedule runs the purge
    # How national-security process is banded in the transparency report (50 U.S.C. §1874(a)).
    transparency_ns_option: NationalSecurityOption = NationalSecurityOption.SEMIANNUAL_250
    # Billing (docs/billing.md): the rate card (TOML or JSON; the shipped default when empty)
    # and where invoice PDFs and billing events go (the documents bucket when empty).
    rate_card_file: str = ""
    billing_bucket: str = ""
    # How often `writ worker` anchors the audit chain head in object-locked S3 (besides at
    # every delivery); 0: only at deliveries.
    audit_checkpoint_every_minutes: int = 10

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_from: str = "legal-process@writ.local"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def database_url_async(self) -> str:
        """The register URL with an async driver, whatever form it was given in."""
        url = self.database_url or f"sqlite:///{(self.data_path / 'register.db').resolve()}"
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            return "postgresql+asyncpg://" + url.split("://", 1)[1]
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
        return url

    @property
    def payload_key_bytes(self) -> bytes:
        key = base64.b64decode(self.payload_key) if self.payload_key else b""
        if len(key) != 32:
            raise SettingsError("WRIT_PAYLOAD_KEY must be 32 bytes, base64-encoded")
        return key

    @property
    def payload_previous_key_bytes(self) -> dict[str, bytes]:
        keys: dict[str, bytes] = {}
        for entry in filter(None, (e.strip() for e in self.payload_previous_keys.split(","))):
            key_id, sep, encoded = entry.partition(":")
            try:
                key = base64.b64decode(encoded, validate=True) if sep else b""
            except ValueError:
                key = b""
            if not key_id or len(key) != 32:
                raise SettingsError(
                    "WRIT_PAYLOAD_PREVIOUS_KEYS takes id:base64 pairs of 32-byte keys, "
                    f"comma-separated; {key_id or entry!r} is not one"
                )
            if key_id == self.payload_key_id:
                raise SettingsError(f"previous payload key id {key_id!r} is the current key's id")
            keys[key_id] = key
        return keys

    @property
    def temporal_tls_enabled(self) -> bool:
        return bool(
            self.temporal_tls
            or self.temporal_tls_ca_file
            or self.temporal_tls_cert_file
            or self.temporal_tls_key_file
            or self.temporal_api_key
        )

    @property
    def api_base_url(self) -> str:
        return self.public_base_url or f"http://{self.api_host}:{self.api_port}"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from ``WRIT_<FIELD>`` variables; unknown or malformed values fail loudly."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for field in msgspec.structs.fields(Settings):
        raw = env.get(f"WRIT_{field.name.upper()}")
        if raw is not None:
            values[field.name] = raw
    try:
        settings = msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:  # "Expected `int`, got `str` - at `$.api_port`"
        message, _, path = str(exc).partition(" - at `$.")
        name = f"WRIT_{path.rstrip('`').upper()}" if path else "a WRIT_* setting"
        raise SettingsError(f"{name} is malformed: {message}") from exc
    if bool(settings.temporal_tls_cert_file) != bool(settings.temporal_tls_key_file):
        raise SettingsError(
            "WRIT_TEMPORAL_TLS_CERT_FILE and WRIT_TEMPORAL_TLS_KEY_FILE go together (mTLS)"
        )
    if settings.mode == "production" and not settings.jwks_url:
        raise SettingsError(
            "production mode verifies tokens against WRIT_JWKS_URL; HS256 is local only"
        )
    # Retention hook (docs/architecture.md §11): a period under its legal minimum is refused.
    from services.retention.classes import retention_policy

    retention_policy(settings)
    return settings


@functools.cache
def get_settings() -> Settings:
    return load_settings()
