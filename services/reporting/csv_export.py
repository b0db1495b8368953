"""The CSV output: one row per cell, columns documented in docs/transparency.md.

``period,section,row,column,value,unit`` — e.g. ``2026,by_process_type,subpoena,produced,12,
requests``; national-security cells hold a band (``0-249``, unit ``band``), never a number."""

from __future__ import annotations

import csv
import io

from contracts.reporting import TransparencyReport
from services.reporting.cells import report_cells

CSV_COLUMNS = ["period", "section", "row", "column", "value", "unit"]


def render_csv(report: TransparencyReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for cell in report_cells(report):
        writer.writerow([report.period, cell.section, cell.row, cell.column, cell.value, cell.unit])
    return buffer.getvalue().encode("utf-8")
