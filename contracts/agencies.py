"""HTTP bodies of the agency registry's management API (docs/agencies.md): one agency with
its roster, changes to it, the webhook secret's rotation and the change history.

Registration itself is ``contracts.api.AgencyIn``. Request bodies forbid unknown fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from contracts.api import Domain
from contracts.submission import NO_NUL, Jurisdiction, ShortText

WebhookUrl = Annotated[
    str,
    Meta(
        pattern=r"^https?://[^\s\x00]+$",
        max_length=2000,
        description="Where production.ready events are POSTed: https (plain http only to "
        "this machine, in local mode); loopback, private and link-local hosts are refused",
    ),
]


class OfficerView(msgspec.Struct, frozen=True, kw_only=True):
    email: str
    name: str
    badge: str | None = None
    phone: str | None = None
    active: bool = True
    deactivated_at: dt.datetime | None = None


class AgencyDetail(msgspec.Struct, frozen=True, kw_only=True):
    """An agency's registration as an admin (or the agency itself) reads it. The webhook
    secret is never shown; ``webhook_secret_set`` and the overlap's end are."""

    id: str
    name: str
    jurisdiction: str
    email_domains: list[str]
    callback_number: str
    webhook_url: str | None = None
    webhook_secret_set: bool = False
    previous_secret_valid_until: dt.datetime | None = None
    officers: list[OfficerView] = []
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class AgencyPatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Only the fields present change; ``webhook_url: null`` removes the webhook."""

    name: ShortText | UnsetType = UNSET
    jurisdiction: Jurisdiction | UnsetType = UNSET
    email_domains: Annotated[list[Domain], Meta(min_length=1)] | UnsetType = UNSET
    callback_number: (
        Annotated[str, Meta(min_length=7, max_length=32, pattern=NO_NUL)] | UnsetType
    ) = UNSET
    webhook_url: WebhookUrl | None | UnsetType = UNSET


class WebhookSecretRotation(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    overlap_hours: Annotated[
        int,
        Meta(
            ge=0,
            le=168,
            description="How long the replaced secret keeps signing beside the new one",
        ),
    ] = 24


class RotatedWebhookSecret(msgspec.Struct, frozen=True, kw_only=True):
    """The new secret, shown once. It is used as its UTF-8 text (not base64-decoded)."""

    webhook_secret: str
    previous_secret_valid_until: dt.datetime | None = None


class AgencyChangeView(msgspec.Struct, frozen=True, kw_only=True):
    at: dt.datetime
    actor: str
    action: str
    changes: dict[str, Any] = {}
