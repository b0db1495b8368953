"""docs/agencies.md is enough to implement a webhook receiver: its Python and openssl
verification snippets are run, as written, against a real signed delivery made with a
secret the registry issued (used as the text the docs say, not base64-decoded) — in a
rotation's overlap with either secret — and they refuse a tampered body, a wrong secret
and a stale timestamp."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from services.delivery.webhook import (
    DELIVERY_ID_HEADER,
    SIGNATURE_HEADER,
    deliver_webhook,
    production_ready_payload,
    webhook_delivery_id,
)
from services.register.agencies import webhook_signing_secrets
from tests.agencies.receiver import CapturingReceiver

DOC = Path(__file__).parents[2] / "docs" / "agencies.md"
SNIPPET = re.compile(r"<!-- snippet: (?P<name>[\w-]+) -->\n```\w+\n(?P<code>.*?)\n```", re.DOTALL)


def snippets() -> dict[str, str]:
    found = {m["name"]: m["code"] for m in SNIPPET.finditer(DOC.read_text(encoding="utf-8"))}
    assert {"verify-python", "verify-shell"} <= set(found), found.keys()
    return found


def python_verify():
    namespace: dict = {}
    exec(compile(snippets()["verify-python"], str(DOC), "exec"), namespace)  # noqa: S102
    return namespace["verify"]


def shell_verify(tmp_path: Path, secret: str, signature: str, body: bytes) -> bool:
    (tmp_path / "body.json").write_bytes(body)
    script = tmp_path / "verify.sh"
    script.write_text(snippets()["verify-shell"] + "\n", encoding="utf-8")
    result = subprocess.run(
        ["sh", str(script)],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "SECRET": secret, "SIGNATURE": signature},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode == 0 and result.stdout.strip() == "verified"


@pytest.fixture
def receiver():
    with CapturingReceiver() as running:
        yield running


@pytest.fixture
async def delivery(api, mint, register, agency, receiver):
    """A production.ready delivery signed, during a rotation's overlap, with both secrets
    the registry issued; returns (new secret, old secret, headers, raw body)."""
    admin = mint("admin")
    url = f"/v1/agencies/{agency['id']}"
    assert (await api.patch(url, json={"webhook_url": receiver.url}, headers=admin)).is_success
    old = (await api.post(f"{url}/webhook-secret", json={}, headers=admin)).json()
    new = (await api.post(f"{url}/webhook-secret", json={}, headers=admin)).json()
    record = await register.agencies.get(agency["id"])

    class Package:
        request_id = "lp_0123456789abcdef0123456789abcdef"
        archive_sha256 = hashlib.sha256(b"zip").hexdigest()
        manifest_sha256 = hashlib.sha256(b"manifest").hexdigest()
        total_records = 14

    payload = production_ready_payload(
        Package(), "https://s3.example/p.zip?sig=x", dt.datetime.now(dt.UTC)
    )
    deliver_webhook(
        record.webhook_url,
        webhook_signing_secrets(record, dt.datetime.now(dt.UTC)),
        webhook_delivery_id(Package.request_id),
        payload,
        now=time.time(),
        timeout=5,
        allow_loopback=True,
    )
    headers, body = receiver.deliveries[-1]
    assert headers[DELIVERY_ID_HEADER] == webhook_delivery_id(Package.request_id)
    return new["webhook_secret"], old["webhook_secret"], headers, body


async def test_the_documented_python_verifies_a_real_delivery(delivery):
    new, old, headers, body = delivery
    verify = python_verify()
    signature = headers[SIGNATURE_HEADER]
    assert verify(new, signature, body)
    assert verify(old, signature, body), "the old secret verifies during the overlap"
    assert not verify(new, signature, body.replace(b"14", b"15"))
    assert not verify("not-the-secret-at-all", signature, body)


async def test_the_documented_openssl_snippet_verifies_a_real_delivery(delivery, tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    new, old, headers, body = delivery
    signature = headers[SIGNATURE_HEADER]
    assert shell_verify(tmp_path, new, signature, body)
    assert shell_verify(tmp_path, old, signature, body)
    assert not shell_verify(tmp_path, new, signature, body + b" ")
    assert not shell_verify(tmp_path, "not-the-secret-at-all", signature, body)


def test_both_snippets_refuse_a_stale_timestamp(tmp_path):
    secret, body = "a-registered-secret-text", b'{"event":"production.ready"}'
    t = int(time.time()) - 301
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    stale = f"t={t},v1={mac}"
    assert not python_verify()(secret, stale, body)
    if shutil.which("openssl"):
        assert not shell_verify(tmp_path, secret, stale, body)
    fresh_t = int(time.time())
    fresh_mac = hmac.new(secret.encode(), f"{fresh_t}.".encode() + body, hashlib.sha256)
    fresh = f"t={fresh_t},v1={fresh_mac.hexdigest()}"
    assert python_verify()(secret, fresh, body)
    if shutil.which("openssl"):
        assert shell_verify(tmp_path, secret, fresh, body)


def test_the_documented_payload_fields_are_the_sent_ones():
    text = DOC.read_text(encoding="utf-8")

    class Package:
        request_id, archive_sha256, manifest_sha256, total_records = "lp_x", "a", "b", 1

    sent = production_ready_payload(Package(), "https://x", dt.datetime.now(dt.UTC))
    for field in sent:
        assert f"| `{field}` |" in text, field
    for header in (SIGNATURE_HEADER, DELIVERY_ID_HEADER):
        assert f"| `{header}` |" in text, header
