"""Temporal plumbing shared by the API's client, the worker and the tests.

- A msgspec payload converter replaces the SDK's ``json/plain`` one, so contract Structs
  travel as the same JSON they are on the HTTP wire.
- An AES-GCM payload codec encrypts every payload before it leaves the process, so
  Temporal's own store (and its UI) never holds plaintext identifiers.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    EncodingPayloadConverter,
    JSONPlainPayloadConverter,
    PayloadCodec,
)
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.service import TLSConfig

from services.platform.settings import Settings
from services.platform.tracing import temporal_interceptors

_ENCODER = msgspec.json.Encoder()


class MsgspecJSONPayloadConverter(EncodingPayloadConverter):
    @property
    def encoding(self) -> str:
        return "json/plain"

    def to_payload(self, value: Any) -> Payload | None:
        return Payload(metadata={"encoding": b"json/plain"}, data=_ENCODER.encode(value))

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        return _decoder(type_hint if type_hint is not None else Any).decode(payload.data)


@functools.lru_cache(maxsize=512)
def _decoder(type_hint: Any) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(type_hint)


class MsgspecPayloadConverter(CompositePayloadConverter):
    def __init__(self) -> None:
        json_converter = MsgspecJSONPayloadConverter()
        super().__init__(
            *(
                json_converter if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over the whole serialised payload (metadata included).

    The key id travels in the clear so keys can be rotated: a codec holding the new key
    and the old ones decrypts histories written under either.
    """

    ENCODING = b"binary/encrypted"

    def __init__(
        self, key: bytes, *, key_id: str = "default", old_keys: dict[str, bytes] | None = None
    ):
        self._key_id = key_id
        self._encryptor = AESGCM(key)
        self._decryptors = {key_id: self._encryptor} | {
            kid: AESGCM(k) for kid, k in (old_keys or {}).items()
        }

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(
                metadata={"encoding": self.ENCODING, "encryption-key-id": self._key_id.encode()},
                data=self._encrypt(p.SerializeToString()),
            )
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded: list[Payload] = []
        for p in payloads:
            if p.metadata.get("encoding", b"") != self.ENCODING:
                decoded.append(p)  # written before encryption was on, or by the server
                continue
            key_id = p.metadata.get("encryption-key-id", b"").decode()
            cipher = self._decryptors.get(key_id)
            if cipher is None:
                raise ValueError(f"no payload key with id {key_id!r}")
            try:
                plaintext = cipher.decrypt(p.data[:12], p.data[12:], None)
            except InvalidTag as exc:
                raise ValueError(
                    f"payload key {key_id!r} does not decrypt this payload: was the key "
                    "replaced without a new WRIT_PAYLOAD_KEY_ID (docs/runbook.md)?"
                ) from exc
            decoded.append(Payload.FromString(plaintext))
        return decoded

    def _encrypt(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._encryptor.encrypt(nonce, plaintext, None)


def data_converter(settings: Settings) -> DataConverter:
    return dataclasses.replace(
        DataConverter(payload_converter_class=MsgspecPayloadConverter),
        payload_codec=EncryptionCodec(
            settings.payload_key_bytes,
            key_id=settings.payload_key_id,
            old_keys=settings.payload_previous_key_bytes,
        ),
    )


def tls_config(settings: Settings) -> TLSConfig | bool:
    """The client's TLS set-up from settings: False for a plaintext server (the local dev
    server), True for TLS with the system's roots, or a ``TLSConfig`` with the files read."""
    if not settings.temporal_tls_enabled:
        return False

    def read(path: str) -> bytes | None:
        if not path:
            return None
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read Temporal TLS file {path}: {exc.strerror}") from exc

    ca = read(settings.temporal_tls_ca_file)
    cert = read(settings.temporal_tls_cert_file)
    key = read(settings.temporal_tls_key_file)
    if not (ca or cert or settings.temporal_tls_server_name):
        return True
    return TLSConfig(
        server_root_ca_cert=ca,
        client_cert=cert,
        client_private_key=key,
        domain=settings.temporal_tls_server_name or None,
    )


@functools.cache
def temporal_runtime(metrics_address: str = "") -> Runtime:
    """The SDK's Rust core, logging through Python's ``logging`` (so through structlog: JSON
    off a terminal, redacted) rather than printing its own lines to stderr; and, for the
    worker, serving the SDK's Prometheus metrics (workflow and activity counts, latencies,
    task-queue polls) on ``metrics_address``. One runtime per process and address."""
    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(
                filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
                forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
            ),
            metrics=PrometheusConfig(bind_address=metrics_address) if metrics_address else None,
        )
    )


async def connect(settings: Settings, *, serve_metrics: bool = False) -> Client:
    """Every process (API, worker, CLI) reaches Temporal through here. Only the worker
    passes ``serve_metrics`` (one process may bind ``WRIT_WORKER_METRICS_ADDRESS``)."""
    metrics_address = settings.worker_metrics_address if serve_metrics else ""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        tls=tls_config(settings),
        api_key=settings.temporal_api_key or None,
        runtime=temporal_runtime(metrics_address),
        interceptors=temporal_interceptors(),
    )
