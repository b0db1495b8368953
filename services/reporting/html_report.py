"""The HTML output: one self-contained page (inline CSS and SVG charts, no JavaScript, no
external resource), readable on screen and in print. The review UI shows the same body
inside its own layout (``services/intake/ui/transparency.py``)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import jinja2

from contracts.reporting import OutcomeCounts, Publication, TransparencyReport
from services.reporting import charts

TEMPLATE_DIR = Path(__file__).parent / "templates"
STYLESHEET = (TEMPLATE_DIR / "report.css").read_text(encoding="utf-8")
# The standalone page's only inline resource; its CSP allows exactly this stylesheet.
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLESHEET.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src '{STYLE_HASH}'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
NATIONAL_SECURITY_LABELS = {
    "national_security_letters": "National Security Letters",
    "fisa_content": "FISA orders for content",
    "fisa_non_content": "FISA orders for non-content",
    "fisa": "FISA orders (content and non-content)",
    "all_national_security_process": "All national security process",
}

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def body_context(report: TransparencyReport, publication: Publication | None) -> dict[str, Any]:
    """What ``report_body.html`` needs: shared by the standalone page and the UI."""
    return {
        "report": report,
        "publication": publication,
        "charts": {
            "by_type": charts.outcomes_by_type_chart(report),
            "by_requester": charts.outcomes_by_requester_chart(report),
        },
        "outcome_names": list(OutcomeCounts.__struct_fields__),
        "ns_labels": NATIONAL_SECURITY_LABELS,
        "pct": pct,
        "attr": getattr,
    }


def render_html(report: TransparencyReport, publication: Publication | None = None) -> bytes:
    html = ENVIRONMENT.get_template("report.html").render(
        stylesheet=jinja2.utils.markupsafe.Markup(STYLESHEET), **body_context(report, publication)
    )
    return html.encode("utf-8")
