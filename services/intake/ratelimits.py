"""Per-agency rate limits on submissions and downloads (issue 13, abuse limits).

A ``limits`` moving window per agency and kind, kept in this API process's memory: each
API process counts on its own, so N processes behind a load balancer let an agency through
up to N times the configured rate (docs/configuration.md "Abuse limits"). Over the limit,
the answer is a 429 problem document with ``Retry-After`` (seconds until the window lets
one more through). The check is a guard, so it runs before the body is read.
"""

from __future__ import annotations

import math
import time
from typing import Any

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from services.intake.auth.guards import principal_of
from services.intake.problems import Problem
from services.platform.settings import Settings

SUBMISSIONS = "submissions"
DOWNLOADS = "downloads"
NUMBER_LOOKUPS = "number lookups"  # issue 11: /v1/number-lookups


class RateLimitSettingError(ValueError):
    pass


def _rules(setting: str, value: str) -> list[RateLimitItem]:
    if not value.strip():
        return []  # off
    try:
        return parse_many(value)
    except ValueError as exc:
        raise RateLimitSettingError(
            f"{setting}={value!r} is not a rate limit such as '60/minute' or '10/second;500/day'"
        ) from exc


class AgencyRateLimits:
    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._rules = {
            SUBMISSIONS: _rules("WRIT_RATE_LIMIT_SUBMISSIONS", settings.rate_limit_submissions),
            DOWNLOADS: _rules("WRIT_RATE_LIMIT_DOWNLOADS", settings.rate_limit_downloads),
            NUMBER_LOOKUPS: _rules(
                "WRIT_RATE_LIMIT_NUMBER_LOOKUPS", settings.rate_limit_number_lookups
            ),
        }

    def check(self, kind: str, agency_id: str) -> None:
        """Count one ``kind`` request of ``agency_id``; a 429 problem when over a limit."""
        for rule in self._rules[kind]:
            if not self._limiter.hit(rule, kind, agency_id):
                stats = self._limiter.get_window_stats(rule, kind, agency_id)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                raise Problem(
                    429,
                    "rate-limited",
                    "Too many requests",
                    f"this agency's {kind} are limited to {rule}; try again in {retry_after} s",
                    extra={"retry_after": retry_after},
                    headers={"Retry-After": str(retry_after)},
                )


def rate_limited(kind: str):
    """A guard counting the request against its agency's ``kind`` limit."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        limits: AgencyRateLimits = connection.app.state.rate_limits
        limits.check(kind, principal.agency_id or f"subject:{principal.subject}")

    guard.__name__ = f"rate_limited_{kind}"
    return guard
