"""Webhook secret rotation: a new secret is issued once, and during the overlap every
delivery carries a signature under each secret, so the agency's receiver verifies with
either; after the overlap only the new one signs."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from services.delivery.webhook import (
    SIGNATURE_HEADER,
    deliver_webhook,
    verify_webhook,
    webhook_delivery_id,
)
from services.register.agencies import webhook_signing_secrets
from tests.agencies.receiver import CapturingReceiver

OLD_SECRET = "the-secret-registered-first-0123456789"


@pytest.fixture
def receiver():
    with CapturingReceiver() as running:
        yield running


async def test_both_secrets_sign_during_the_overlap(api, mint, register, agency, receiver):
    admin = mint("admin", sub="ada")
    url = f"/v1/agencies/{agency['id']}"
    set_hook = await api.patch(url, json={"webhook_url": receiver.url}, headers=admin)
    assert set_hook.status_code == 200, set_hook.text
    first = await api.post(f"{url}/webhook-secret", json={"overlap_hours": 0}, headers=admin)
    assert first.status_code == 200, first.text
    assert first.json()["previous_secret_valid_until"] is None  # there was none to keep
    old_secret = first.json()["webhook_secret"]

    rotated = await api.post(f"{url}/webhook-secret", json={"overlap_hours": 24}, headers=admin)
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["webhook_secret"]
    assert new_secret != old_secret and len(new_secret) >= 43
    until = dt.datetime.fromisoformat(rotated.json()["previous_secret_valid_until"])
    assert dt.timedelta(hours=23) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=24)
    shown = (await api.get(url, headers=admin)).json()
    assert shown["webhook_secret_set"] is True and "webhook_secret" not in shown
    assert shown["previous_secret_valid_until"] == rotated.json()["previous_secret_valid_until"]

    record = await register.agencies.get(agency["id"])
    now = dt.datetime.now(dt.UTC)
    secrets = webhook_signing_secrets(record, now)
    assert secrets == [new_secret.encode(), old_secret.encode()]
    deliver_webhook(
        record.webhook_url,
        secrets,
        webhook_delivery_id("lp_rotation"),
        {"event": "production.ready", "request_id": "lp_rotation"},
        now=time.time(),
        timeout=5,
        allow_loopback=True,
    )
    headers, body = receiver.deliveries[-1]
    signature = headers[SIGNATURE_HEADER]
    assert signature.count("v1=") == 2
    # The agency's receiver may hold either secret and still verify the delivery.
    assert verify_webhook(new_secret.encode(), signature, body, now=time.time())
    assert verify_webhook(old_secret.encode(), signature, body, now=time.time())
    assert not verify_webhook(b"some-other-secret-entirely", signature, body, now=time.time())

    # After the overlap the old secret no longer signs.
    assert webhook_signing_secrets(record, until + dt.timedelta(seconds=1)) == [new_secret.encode()]

    history = (await api.get(f"{url}/history", headers=admin)).json()
    rotations = [h for h in history if h["action"] == "webhook_secret_rotated"]
    assert len(rotations) == 2
    assert all(old_secret not in str(h) and new_secret not in str(h) for h in history)


async def test_a_registered_secret_is_used_as_its_text(api, mint, register, agency):
    """The secret is the registered text's UTF-8 bytes: no base64 decoding happens."""
    admin = mint("admin")
    body = {
        "id": agency["id"] + "-b",
        "name": "Raleigh PD",
        "jurisdiction": "US-NC",
        "email_domains": ["raleighpd.gov"],
        "callback_number": "+1 919 555 0199",
        "webhook_url": "http://127.0.0.1:9/writ",
        "webhook_secret": OLD_SECRET,
    }
    created = await api.post("/v1/agencies", json=body, headers=admin)
    assert created.status_code == 201, created.text
    record = await register.agencies.get(body["id"])
    assert webhook_signing_secrets(record, dt.datetime.now(dt.UTC)) == [OLD_SECRET.encode()]


async def test_rotation_overlap_is_bounded(api, mint, agency):
    response = await api.post(
        f"/v1/agencies/{agency['id']}/webhook-secret",
        json={"overlap_hours": 1000},
        headers=mint("admin"),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "overlap_hours"
