"""The report as cells (section, row, column, value): the CSV's rows, and what the
published/live comparison compares, so both name a figure the same way."""

from __future__ import annotations

import msgspec

from contracts.reporting import FigureDifference, OutcomeCounts, TransparencyReport


class Cell(msgspec.Struct, frozen=True, kw_only=True):
    section: str
    row: str
    column: str
    value: str
    unit: str


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _outcome_cells(section: str, row: str, outcomes: OutcomeCounts) -> list[Cell]:
    return [
        Cell(
            section=section,
            row=row,
            column=name,
            value=_text(getattr(outcomes, name)),
            unit="requests",
        )
        for name in OutcomeCounts.__struct_fields__
    ]


def report_cells(report: TransparencyReport) -> list[Cell]:
    cells: list[Cell] = []

    def add(section: str, row: str, column: str, value: object, unit: str) -> None:
        cells.append(Cell(section=section, row=row, column=column, value=_text(value), unit=unit))

    t = report.totals
    add("totals", "all", "requests", t.requests, "requests")
    add("totals", "all", "identifiers", t.identifiers, "identifiers")
    add("totals", "all", "accounts_affected", t.accounts_affected, "accounts")
    add("totals", "all", "produced_share", t.produced_share, "percent")
    add("totals", "all", "pending", t.pending, "requests")
    add("totals", "all", "open_at_period_end", t.open_at_period_end, "requests")
    for p in report.by_process_type:
        add("by_process_type", p.process_type.value, "requests", p.requests, "requests")
        add("by_process_type", p.process_type.value, "identifiers", p.identifiers, "identifiers")
        cells += _outcome_cells("by_process_type", p.process_type.value, p.outcomes)
        add("by_process_type", p.process_type.value, "produced_share", p.produced_share, "percent")
    for r in report.by_requester:
        add("by_requester", r.issuer_kind.value, "requests", r.requests, "requests")
        add("by_requester", r.issuer_kind.value, "identifiers", r.identifiers, "identifiers")
        cells += _outcome_cells("by_requester", r.issuer_kind.value, r.outcomes)
        add("by_requester", r.issuer_kind.value, "produced_share", r.produced_share, "percent")
    e = report.emergency
    add("emergency", "all", "requests", e.requests, "requests")
    add("emergency", "all", "disclosed", e.disclosed, "requests")
    cells += _outcome_cells("emergency", "all", e.outcomes)
    add("emergency", "all", "disclosed_share", e.disclosed_share, "percent")
    add("emergency", "all", "with_follow_up", e.with_follow_up, "requests")
    add("emergency", "all", "without_follow_up", e.without_follow_up, "requests")
    pr = report.preservation
    add("preservation", "all", "requests", pr.requests, "requests")
    add("preservation", "all", "extended", pr.extended, "requests")
    add("preservation", "all", "extensions", pr.extensions, "extensions")
    for c in report.foreign:
        add("foreign", c.country, "requests", c.requests, "requests")
        cells += _outcome_cells("foreign", c.country, c.outcomes)
    n = report.notices
    add("notices", "all", "notified", n.notified, "requests")
    add("notices", "all", "delayed_by_ndo", n.delayed_by_ndo, "requests")
    add("notices", "all", "still_barred", n.still_barred, "requests")
    add("notices", "all", "ndo_requests", n.ndo_requests, "requests")
    add("notices", "all", "ndo_share", n.ndo_share, "percent")
    ns = report.national_security
    for line in ns.lines:
        row = f"{line.period}:{line.category.value}"
        add("national_security", row, "requests", line.requests.label, "band")
        add("national_security", row, "selectors", line.selectors.label, "band")
    return cells


def differences(published: TransparencyReport, live: TransparencyReport) -> list[FigureDifference]:
    """Every cell whose value changed, appeared or disappeared between the two."""
    before = {(c.section, c.row, c.column): c.value for c in report_cells(published)}
    after = {(c.section, c.row, c.column): c.value for c in report_cells(live)}
    return [
        FigureDifference(
            section=key[0],
            row=key[1],
            column=key[2],
            published=before.get(key, ""),
            live=after.get(key, ""),
        )
        for key in list(dict.fromkeys([*before, *after]))
        if before.get(key, "") != after.get(key, "")
    ]
