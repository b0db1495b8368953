"""Signed webhooks: the signature scheme, and delivery to a real local HTTP receiver."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from services.delivery.package import build_production_package
from services.delivery.webhook import (
    UnsafeWebhookUrl,
    WebhookDeliveryError,
    deliver_webhook,
    presign_production,
    production_ready_payload,
    sign_webhook,
    verify_webhook,
    webhook_delivery_id,
)

SECRET = b"agency-shared-secret-0123456789"
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z


# --- the signature scheme --------------------------------------------------------------


def test_signature_verifies_with_the_right_secret():
    body = b'{"request_id":"lp-1"}'
    header = sign_webhook(SECRET, NOW, body)
    assert header.startswith(f"t={NOW},v1=")
    assert verify_webhook(SECRET, header, body, now=NOW + 5)


def test_signature_fails_with_a_wrong_secret():
    body = b'{"request_id":"lp-1"}'
    assert not verify_webhook(b"another-secret", sign_webhook(SECRET, NOW, body), body, now=NOW)


def test_signature_fails_for_a_tampered_body():
    header = sign_webhook(SECRET, NOW, b'{"request_id":"lp-1"}')
    assert not verify_webhook(SECRET, header, b'{"request_id":"lp-2"}', now=NOW)


@pytest.mark.parametrize("skew", [301, -301, 86_400])
def test_signature_fails_outside_the_tolerance_window(skew):
    body = b"{}"
    header = sign_webhook(SECRET, NOW, body)
    assert not verify_webhook(SECRET, header, body, now=NOW + skew, tolerance_seconds=300)


def test_replayed_timestamp_cannot_be_swapped_in():
    # An attacker keeping an old body but writing a fresh t= breaks the MAC.
    body = b"{}"
    old = sign_webhook(SECRET, NOW - 3600, body)
    forged = old.replace(f"t={NOW - 3600}", f"t={NOW}")
    assert not verify_webhook(SECRET, forged, body, now=NOW)


@pytest.mark.parametrize(
    "header", ["", "garbage", "t=abc,v1=00", f"v1={'0' * 64}", f"t={NOW}", f"t={NOW},t={NOW},v1=00"]
)
def test_malformed_headers_are_rejected(header):
    assert not verify_webhook(SECRET, header, b"{}", now=NOW)


def test_any_v1_may_match_during_secret_rotation():
    body = b"{}"
    new = sign_webhook(SECRET, NOW, body)
    old = sign_webhook(b"old-secret", NOW, body)
    header = f"{old},v1={new.split('v1=')[1]}"
    assert verify_webhook(SECRET, header, body, now=dt.datetime.fromtimestamp(NOW, dt.UTC))


def test_delivery_id_is_stable_per_request():
    assert webhook_delivery_id("lp-1") == webhook_delivery_id("lp-1") != webhook_delivery_id("lp-2")


def test_plain_http_is_refused_off_this_machine():
    with pytest.raises(UnsafeWebhookUrl):
        deliver_webhook("http://agency.example/hook", SECRET, "d", {}, now=NOW, timeout=1)


# --- a real receiver -------------------------------------------------------------------


class AgencyReceiver:
    """The agency's endpoint: verifies signatures, dedupes on the delivery id."""

    def __init__(self, failures_before_ack: int = 0) -> None:
        self.failures_left = failures_before_ack
        self.attempts: list[dict] = []
        self.accepted: dict[str, dict] = {}  # delivery id -> payload
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                verified = verify_webhook(
                    SECRET, self.headers.get("Writ-Signature", ""), body, now=time.time()
                )
                receiver.attempts.append({"headers": dict(self.headers), "verified": verified})
                if not verified:
                    status = 401
                elif receiver.failures_left > 0:
                    receiver.failures_left -= 1
                    status = 503
                else:
                    receiver.accepted.setdefault(self.headers["Writ-Delivery-Id"], json.loads(body))
                    status = 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/writ/webhook"

    def __enter__(self) -> AgencyReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[AgencyReceiver]:
    with AgencyReceiver() as running:
        yield running


@pytest.fixture
def flaky_receiver() -> Iterator[AgencyReceiver]:
    with AgencyReceiver(failures_before_ack=1) as running:
        yield running


def test_delivery_is_signed_and_acknowledged(receiver, request_id):
    delivery_id = webhook_delivery_id(request_id)
    status = deliver_webhook(
        receiver.url,
        SECRET,
        delivery_id,
        {"request_id": request_id},
        now=time.time(),
        timeout=5,
        allow_loopback=True,
    )
    assert status == 204
    [attempt] = receiver.attempts
    assert attempt["verified"]
    assert attempt["headers"]["Writ-Delivery-Id"] == delivery_id
    assert receiver.accepted == {delivery_id: {"request_id": request_id}}


def test_a_wrong_secret_is_refused_by_the_receiver_and_raises(receiver, request_id):
    with pytest.raises(WebhookDeliveryError) as failed:
        deliver_webhook(
            receiver.url,
            b"wrong",
            "d-1",
            {"request_id": request_id},
            now=time.time(),
            timeout=5,
            allow_loopback=True,
        )
    assert failed.value.status == 401


def test_failed_first_attempt_is_retryable_and_the_retry_is_deduplicated(
    flaky_receiver, request_id
):
    delivery_id = webhook_delivery_id(request_id)
    payload = {"request_id": request_id}
    with pytest.raises(WebhookDeliveryError) as first:
        deliver_webhook(
            flaky_receiver.url,
            SECRET,
            delivery_id,
            payload,
            now=time.time(),
            timeout=5,
            allow_loopback=True,
        )
    assert first.value.status == 503

    assert (
        deliver_webhook(
            flaky_receiver.url,
            SECRET,
            delivery_id,
            payload,
            now=time.time(),
            timeout=5,
            allow_loopback=True,
        )
        == 204
    )
    # A duplicate after the acknowledgement (e.g. the activity timed out) is recognisable.
    deliver_webhook(
        flaky_receiver.url,
        SECRET,
        delivery_id,
        payload,
        now=time.time(),
        timeout=5,
        allow_loopback=True,
    )
    assert [a["headers"]["Writ-Delivery-Id"] for a in flaky_receiver.attempts] == [delivery_id] * 3
    assert list(flaky_receiver.accepted) == [delivery_id]


def test_unreachable_endpoint_raises_retryable_error():
    with AgencyReceiver() as gone:
        url = gone.url
    with pytest.raises(WebhookDeliveryError):
        deliver_webhook(url, SECRET, "d-1", {}, now=time.time(), timeout=2, allow_loopback=True)


def test_payload_presigned_url_downloads_the_archive(
    base_settings, s3, request_id, package_request, receiver
):
    package = build_production_package(package_request(request_id), base_settings, s3)
    url = presign_production(s3, package.bucket, package.archive_key, expires_seconds=900)
    expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=900)
    payload = production_ready_payload(package, url, expires_at)

    deliver_webhook(
        receiver.url,
        SECRET,
        webhook_delivery_id(request_id),
        payload,
        now=time.time(),
        timeout=5,
        allow_loopback=True,
    )

    delivered = receiver.accepted[webhook_delivery_id(request_id)]
    assert delivered["request_id"] == request_id
    assert delivered["manifest_sha256"] == package.manifest_sha256
    assert delivered["download_expires_at"] == expires_at.isoformat()
    download = httpx.get(delivered["download_url"], timeout=10)
    assert download.status_code == 200
    assert (
        hashlib.sha256(download.content).hexdigest()
        == delivered["archive_sha256"]
        == package.archive_sha256
    )


# --- checked again at delivery: SSRF and DNS rebinding (issue 13, abuse limits) ---------


def test_loopback_is_refused_at_delivery_unless_the_local_stack_allows_it(receiver):
    """The URL passed registration once; at delivery it is resolved again and a loopback
    answer is refused before any connection (production mode: allow_loopback=False)."""
    for url in (receiver.url, receiver.url.replace("127.0.0.1", "localhost")):
        with pytest.raises(UnsafeWebhookUrl, match="loopback"):
            deliver_webhook(url, SECRET, "d-1", {}, now=time.time(), timeout=5)
    assert receiver.attempts == []


def test_a_name_is_resolved_at_delivery_and_the_request_pinned_to_that_address(receiver):
    """A name (rebindable) rather than a literal: it is resolved when delivering, and the
    request goes to the address that was checked, under its own Host name."""
    url = receiver.url.replace("127.0.0.1", "localhost")
    port = receiver.server.server_address[1]
    assert deliver_webhook(url, SECRET, "d-1", {}, now=time.time(), timeout=5, allow_loopback=True)
    [attempt] = receiver.attempts
    assert attempt["headers"]["Host"] == f"localhost:{port}"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        pytest.param("https://10.0.0.5/hook", "private", id="rfc1918"),
        pytest.param("https://192.168.1.10:8443/hook", "private", id="rfc1918-port"),
        pytest.param("https://169.254.169.254/latest/meta-data", "link-local", id="metadata"),
        pytest.param("https://[fe80::1]/hook", "link-local", id="ipv6-link-local"),
        pytest.param("https://[fd00::1]/hook", "private", id="ipv6-unique-local"),
        pytest.param("https://[::1]/hook", "loopback", id="ipv6-loopback"),
        pytest.param("https://[::ffff:127.0.0.1]/hook", "loopback", id="v4-mapped-loopback"),
        pytest.param("https://0.0.0.0/hook", "unspecified", id="unspecified"),
        pytest.param("https://100.64.0.1/hook", "private|non-public", id="carrier-grade-nat"),
        pytest.param("https://127.1/hook", "loopback", id="short-form-loopback"),
        pytest.param("https://2130706433/hook", "loopback", id="decimal-loopback"),
    ],
)
def test_non_public_addresses_are_refused_at_delivery(url: str, kind: str) -> None:
    with pytest.raises(UnsafeWebhookUrl, match=kind):
        deliver_webhook(url, SECRET, "d-1", {}, now=time.time(), timeout=1, allow_loopback=False)


def test_a_public_address_passes_the_check() -> None:
    from services.delivery.webhook import resolve_webhook_address

    assert str(resolve_webhook_address("https://93.184.215.14/hook")) == "93.184.215.14"
