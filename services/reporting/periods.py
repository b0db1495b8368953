"""Reporting periods: a calendar year (``2026``) or a half-year (``2026-H1``), by the UTC date
each request was received."""

from __future__ import annotations

import datetime as dt
import re

import msgspec

_PERIOD = re.compile(r"^(?P<year>[0-9]{4})(?:-H(?P<half>[12]))?$")


class InvalidPeriod(ValueError):
    """The period is not ``YYYY`` or ``YYYY-H1``/``YYYY-H2``."""


class ReportPeriod(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    year: int
    half: int | None = None  # None: the whole year

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 7 if self.half == 2 else 1, 1)

    @property
    def end(self) -> dt.date:
        """The last day, inclusive."""
        return dt.date(self.year, 6, 30) if self.half == 1 else dt.date(self.year, 12, 31)

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), dt.UTC)

    @property
    def ends_before(self) -> dt.datetime:
        """The first instant after the period (exclusive bound)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), dt.UTC)

    @property
    def second_half_starts_at(self) -> dt.datetime:
        return dt.datetime(self.year, 7, 1, tzinfo=dt.UTC)

    def halves(self) -> list[str]:
        """The half-year labels the period covers."""
        if self.half is not None:
            return [self.label]
        return [f"{self.year}-H1", f"{self.year}-H2"]

    def ended(self, now: dt.datetime) -> bool:
        return now >= self.ends_before


def parse_period(text: str) -> ReportPeriod:
    match = _PERIOD.fullmatch(text.strip())
    if match is None:
        raise InvalidPeriod(f"{text!r} is not a period: use a year (2026) or a half (2026-H1)")
    year = int(match["year"])
    if not 2000 <= year <= 2999:
        raise InvalidPeriod(f"{year} is outside the years Writ reports on (2000-2999)")
    half = int(match["half"]) if match["half"] else None
    return ReportPeriod(label=text.strip(), year=year, half=half)


def half_of(received_at: dt.datetime) -> int:
    return 1 if received_at.month <= 6 else 2
