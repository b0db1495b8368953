"""The signed webhook that tells an agency its production is ready.

Signature scheme (the agency's side verifies it with ``verify_webhook``; docs/agencies.md):
``Writ-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``, the key
being the secret's UTF-8 bytes as registered (it is not base64-decoded). Binding the
timestamp into the MAC and rejecting old ones stops replays. During a secret rotation's
overlap the header carries one ``v1`` per secret (new first), so the agency may verify with
either. ``Writ-Delivery-Id`` is the same on every
attempt for a request, so the agency can drop duplicates: each retry carries a fresh
timestamp and presigned URL, but it is the same delivery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import socket
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
from botocore.client import BaseClient

from contracts.collection import ProductionPackage
from services.delivery.records import canonical_json

SIGNATURE_HEADER = "Writ-Signature"
DELIVERY_ID_HEADER = "Writ-Delivery-Id"
EVENT_PRODUCTION_READY = "production.ready"
DEFAULT_TOLERANCE_SECONDS = 300

# Fixed namespace: delivery ids must stay the same across workers and deploys.
_DELIVERY_NAMESPACE = uuid.UUID("0f6f1d2e-6a43-5c1e-9a57-3b7f8e0c4d21")

Clock = float | int | dt.datetime


class WebhookDeliveryError(Exception):
    """The agency did not acknowledge; retry later (with backoff) under the same delivery id."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class UnsafeWebhookUrl(ValueError):
    """The endpoint would expose the presigned URL in clear text; retrying will not help."""


# --- signing -------------------------------------------------------------------------------


def sign_webhook(secret: bytes | Sequence[bytes], timestamp: int, body: bytes) -> str:
    """The ``Writ-Signature`` value: one ``v1`` per secret (a rotation's overlap has two)."""
    keys = [secret] if isinstance(secret, bytes) else list(secret)
    if not keys:
        raise ValueError("at least one webhook secret is needed to sign")
    macs = ",".join(f"v1={_mac(key, int(timestamp), body)}" for key in keys)
    return f"t={int(timestamp)},{macs}"


def verify_webhook(
    secret: bytes,
    header: str,
    body: bytes,
    now: Clock,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True only for a well-formed header, a fresh timestamp and a matching MAC."""
    parsed = _parse_signature_header(header)
    if parsed is None:
        return False
    timestamp, candidates = parsed
    # Both directions: a timestamp far in the future is as suspect as an old one.
    if abs(_epoch_seconds(now) - timestamp) > tolerance_seconds:
        return False
    expected = _mac(secret, timestamp, body)
    # Check every candidate (no early exit) so timing says nothing about which matched.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    return matched


def _mac(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()


def _parse_signature_header(header: str) -> tuple[int, list[str]] | None:
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if timestamp is not None or not value.isdigit():
                return None
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value.strip().lower())
        # Unknown schemes (a future v2) are ignored so senders can add them first.
    if timestamp is None or not candidates:
        return None
    return timestamp, candidates


def _epoch_seconds(now: Clock) -> int:
    if isinstance(now, dt.datetime):
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return int(now.timestamp())
    return int(now)


# --- payload -------------------------------------------------------------------------------


def webhook_delivery_id(request_id: str) -> str:
    """The id the agency dedupes on: one per request, identical on every attempt."""
    return str(uuid.uuid5(_DELIVERY_NAMESPACE, f"production-ready:{request_id}"))


def presign_production(s3: BaseClient, bucket: str, key: str, expires_seconds: int = 900) -> str:
    """A short-lived GET URL for the archive: the URL is the credential, so keep it brief."""
    return s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_seconds
    )


def production_ready_payload(
    package: ProductionPackage, download_url: str, expires_at: dt.datetime
) -> dict[str, Any]:
    """What the agency needs to fetch and check the package; no records, no targets."""
    return {
        "event": EVENT_PRODUCTION_READY,
        "request_id": package.request_id,
        "download_url": download_url,
        "download_expires_at": expires_at.astimezone(dt.UTC).isoformat(),
        "archive_sha256": package.archive_sha256,
        "manifest_sha256": package.manifest_sha256,
        "total_records": package.total_records,
    }


# --- delivery ------------------------------------------------------------------------------


def deliver_webhook(
    url: str,
    secret: bytes | Sequence[bytes],
    delivery_id: str,
    payload: dict[str, Any],
    *,
    now: Clock,
    timeout: float,
    allow_loopback: bool = False,
) -> int:
    """POST the signed payload once; return the 2xx status or raise WebhookDeliveryError.

    One attempt per call: the retry policy (backoff, give-up) belongs to the caller's
    activity, which must pass the same ``delivery_id`` every time.

    The host is resolved here, at delivery, and every address it resolves to must be
    public (``resolve_webhook_address``); the request then goes to that address, with the
    name in ``Host`` and TLS SNI (the certificate is still checked against the name), so
    a DNS answer that changes between the check and the connection (rebinding) cannot
    point the request at an internal service. ``allow_loopback``: the local stack's
    receivers on this machine (local mode only).
    """
    parts = urlsplit(url)
    address = resolve_webhook_address(url, allow_loopback=allow_loopback)
    body = canonical_json(payload)
    host = parts.hostname or ""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Writ-Webhook/1",
        "Host": parts.netloc.rpartition("@")[2],
        SIGNATURE_HEADER: sign_webhook(secret, _epoch_seconds(now), body),
        DELIVERY_ID_HEADER: delivery_id,
    }
    literal = f"[{address}]" if address.version == 6 else str(address)
    pinned = parts._replace(netloc=literal + (f":{parts.port}" if parts.port else "")).geturl()
    try:
        # Redirects are not followed: they would carry the presigned URL to another host.
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(
                pinned, content=body, headers=headers, extensions={"sni_hostname": host}
            )
    except httpx.HTTPError as exc:
        raise WebhookDeliveryError(f"webhook not delivered: {type(exc).__name__}") from exc
    if not 200 <= response.status_code < 300:
        raise WebhookDeliveryError(
            f"webhook answered HTTP {response.status_code}", status=response.status_code
        )
    return response.status_code


def require_safe_webhook_url(url: str) -> None:
    """HTTPS, except plain HTTP to this machine (local stack and tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    raise UnsafeWebhookUrl("webhook endpoints must use https")


def resolve_webhook_address(
    url: str, *, allow_loopback: bool = False
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address to deliver ``url`` to, resolved now: ``UnsafeWebhookUrl`` when any
    address the name has is loopback (unless allowed), private, link-local (cloud metadata
    at 169.254.169.254), multicast, reserved or unspecified — the SSRF rule, applied at
    every delivery whatever the name resolved to when the agency registered it. A name
    that does not resolve is a ``WebhookDeliveryError`` (retryable: DNS may come back)."""
    require_safe_webhook_url(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookDeliveryError(f"webhook host {host!r} does not resolve") from exc
    addresses = sorted(
        {ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in infos},
        key=lambda a: (a.version, int(a)),
    )
    if not addresses:
        raise WebhookDeliveryError(f"webhook host {host!r} does not resolve")
    for address in addresses:
        refusal = _refusal(address, allow_loopback)
        if refusal:
            raise UnsafeWebhookUrl(
                f"webhook host {host!r} resolves to {address}, a {refusal} address:"
                " deliveries go to public addresses only"
            )
    return addresses[0]


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _refusal(address.ipv4_mapped, allow_loopback)
    if address.is_loopback:
        return "" if allow_loopback else "loopback"
    for kind, found in (
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("private", address.is_private),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("non-public", not address.is_global),
    ):
        if found:
            return kind
    return ""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
