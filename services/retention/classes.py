"""Retention classes, their configured periods, and the legal minimums no configuration may
go below. A setting under its minimum is refused when settings load, naming the setting."""

from __future__ import annotations

import datetime as dt

import msgspec

from contracts.retention import RetentionClass
from services.platform.settings import Settings, SettingsError


class LegalMinimum(msgspec.Struct, frozen=True, kw_only=True):
    days: int
    authority: str
    what: str


# The law as a table: the classes whose retention the law sets a floor on.
LEGAL_MINIMUMS: dict[RetentionClass, LegalMinimum] = {
    RetentionClass.DISCLOSURE_LOG: LegalMinimum(
        days=365,
        authority="47 CFR §64.2009(c)",
        what="a record of every disclosure of CPNI to a third party, kept at least one year",
    ),
    RetentionClass.TOLL_RECORDS: LegalMinimum(
        # 18 months, counted in days: 18 × 365.25 / 12 rounded up.
        days=548,
        authority="47 CFR §42.6",
        what="toll records kept at least 18 months",
    ),
}


def setting_name(retention_class: RetentionClass) -> str:
    return f"WRIT_RETENTION_{retention_class.value.upper()}_DAYS"


class RetentionBelowLegalMinimum(SettingsError):
    def __init__(self, retention_class: RetentionClass, days: int, minimum: LegalMinimum):
        super().__init__(
            f"{setting_name(retention_class)}={days} is below the legal minimum of "
            f"{minimum.days} days ({minimum.authority}: {minimum.what})"
        )
        self.retention_class = retention_class


class RetentionPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Days kept per class, from settings."""

    days: dict[RetentionClass, int]

    def period(self, retention_class: RetentionClass) -> dt.timedelta:
        return dt.timedelta(days=self.days[retention_class])


def retention_policy(settings: Settings) -> RetentionPolicy:
    """The configured periods; raises ``RetentionBelowLegalMinimum`` (a ValueError) for a
    period under its floor and ValueError for one that is not positive."""
    days = {c: int(getattr(settings, f"retention_{c.value}_days")) for c in RetentionClass}
    for retention_class, value in days.items():
        if value < 1:
            raise SettingsError(f"{setting_name(retention_class)} must be at least 1 day")
        minimum = LEGAL_MINIMUMS.get(retention_class)
        if minimum is not None and value < minimum.days:
            raise RetentionBelowLegalMinimum(retention_class, value, minimum)
    return RetentionPolicy(days=days)
