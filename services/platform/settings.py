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

Mode = Literal["local", "production"]


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    mode: Mode = "local"
    data_dir: str = ".writ"

    # Case register: SQLAlchemy URL. Plain ``postgresql://`` is accepted and mapped to asyncpg.
    database_url: str = ""

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "writ-legal-process"
    # 32 bytes, base64. Encrypts every Temporal payload (AES-GCM) so history holds no plaintext.
    payload_key: str = ""

    s3_endpoint: str = "http://127.0.0.1:8333"
    s3_region: str = "us-east-1"
    s3_access_key: str = "writ"
    s3_secret_key: str = "writ-local-secret"
    documents_bucket: str = "writ-documents"
    productions_bucket: str = "writ-productions"
    lake_bucket: str = "writ-carrier-lake"
    production_retention_days: int = 365

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_base_url: str = ""

    jwt_issuer: str = "writ-local"
    jwt_audience: str = "writ"
    jwt_hs256_secret: str = "writ-local-development-secret-change-me"
    jwks_url: str = ""

    max_document_bytes: int = 20 * 1024 * 1024

    # The legal entity named on records custodians' certificates.
    provider_name: str = "Writ Communications, Inc."
    policy_file: str = ""

    # Billing (docs/billing.md): the rate card (TOML or JSON; the shipped default when empty)
    # and where invoice PDFs and billing events go (the documents bucket when empty).
    rate_card_file: str = ""
    billing_bucket: str = ""

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
            raise ValueError("WRIT_PAYLOAD_KEY must be 32 bytes, base64-encoded")
        return key

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
    settings = msgspec.convert(values, Settings, strict=False)
    if settings.mode == "production" and not settings.jwks_url:
        raise ValueError(
            "production mode verifies tokens against WRIT_JWKS_URL; HS256 is local only"
        )
    return settings


@functools.cache
def get_settings() -> Settings:
    return load_settings()
