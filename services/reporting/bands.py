"""National-security process in the bands 50 U.S.C. §1874(a) permits, never an exact number.

The option is configuration (``WRIT_TRANSPARENCY_NS_OPTION``). Each option fixes the band
width, whether figures are per half-year or per year, and which kinds of process are
combined. Bands start at 0: 0-999, 1000-1999, ... (§1874(a)(1)); 0-249, ... (§1874(a)(3)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from contracts.reporting import (
    Band,
    NationalSecurityCategory,
    NationalSecurityFigures,
    NationalSecurityLine,
    NationalSecurityOption,
)
from services.reporting.periods import ReportPeriod

Category = NationalSecurityCategory


class OptionRule(msgspec.Struct, frozen=True, kw_only=True):
    width: int
    semiannual: bool
    # Which reported category each kind of national-security process is counted under.
    grouping: Mapping[str, NationalSecurityCategory]
    authority: str


# The kinds a request is classified as (services/reporting/facts.py).
NSL = "nsl"
FISA_CONTENT = "fisa_content"
FISA_NON_CONTENT = "fisa_non_content"
NATIONAL_SECURITY_KINDS = (NSL, FISA_CONTENT, FISA_NON_CONTENT)

RULES: dict[NationalSecurityOption, OptionRule] = {
    NationalSecurityOption.SEMIANNUAL_1000: OptionRule(
        width=1000,
        semiannual=True,
        grouping={
            NSL: Category.NSL,
            FISA_CONTENT: Category.FISA_CONTENT,
            FISA_NON_CONTENT: Category.FISA_NON_CONTENT,
        },
        authority="50 U.S.C. §1874(a)(1)",
    ),
    NationalSecurityOption.SEMIANNUAL_500: OptionRule(
        width=500,
        semiannual=True,
        grouping={NSL: Category.NSL, FISA_CONTENT: Category.FISA, FISA_NON_CONTENT: Category.FISA},
        authority="50 U.S.C. §1874(a)(2)",
    ),
    NationalSecurityOption.SEMIANNUAL_250: OptionRule(
        width=250,
        semiannual=True,
        grouping={NSL: Category.ALL, FISA_CONTENT: Category.ALL, FISA_NON_CONTENT: Category.ALL},
        authority="50 U.S.C. §1874(a)(3)",
    ),
    NationalSecurityOption.ANNUAL_100: OptionRule(
        width=100,
        semiannual=False,
        grouping={NSL: Category.ALL, FISA_CONTENT: Category.ALL, FISA_NON_CONTENT: Category.ALL},
        authority="50 U.S.C. §1874(a)(4)",
    ),
}


def band(count: int, width: int) -> Band:
    """The band holding ``count``; only the band leaves this function."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    lower = (count // width) * width
    upper = lower + width - 1
    return Band(lower=lower, upper=upper, label=f"{lower}-{upper}")


class NationalSecurityTally(msgspec.Struct, frozen=True, kw_only=True):
    """Exact figures for one kind of process in one half-year. Internal only: never
    rendered, logged or stored; ``repr`` hides the numbers so a traceback cannot show them."""

    half: str
    kind: str
    requests: int = 0
    selectors: int = 0

    def __repr__(self) -> str:
        return f"NationalSecurityTally(half={self.half!r}, kind={self.kind!r}, <withheld>)"

    __str__ = __repr__


def national_security_figures(
    tallies: Iterable[NationalSecurityTally],
    period: ReportPeriod,
    option: NationalSecurityOption,
) -> NationalSecurityFigures:
    rule = RULES[option]
    if not rule.semiannual and period.half is not None:
        return NationalSecurityFigures(
            option=option,
            authority=rule.authority,
            reported=False,
            note="This option reports national-security process once a year, in the "
            "annual report only.",
        )
    buckets = list(period.halves()) if rule.semiannual else [period.label]
    categories = list(dict.fromkeys(rule.grouping.values()))
    requests = {(b, c): 0 for b in buckets for c in categories}
    selectors = dict(requests)
    for tally in tallies:
        bucket = tally.half if rule.semiannual else period.label
        if bucket not in buckets:
            continue
        category = rule.grouping[tally.kind]
        requests[(bucket, category)] += tally.requests
        selectors[(bucket, category)] += tally.selectors
    lines = [
        NationalSecurityLine(
            period=b,
            category=c,
            requests=band(requests[(b, c)], rule.width),
            selectors=band(selectors[(b, c)], rule.width),
        )
        for b in buckets
        for c in categories
    ]
    return NationalSecurityFigures(option=option, authority=rule.authority, lines=lines)
