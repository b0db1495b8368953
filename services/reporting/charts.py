"""Charts for the HTML report, drawn server-side by matplotlib's SVG backend and inlined.

The review UI's Content-Security-Policy allows no inline styles, and matplotlib writes its
styling as ``style="..."`` attributes and a ``<style>`` element; ``inline_svg`` rewrites
those into SVG presentation attributes (same rendering, nothing for the CSP to block) and
drops the XML prolog and metadata so the figure can sit inside an HTML page. National-
security process is never charted (it exists only as bands)."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("svg")  # no display, no GUI toolkit: the worker and API are headless

from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from contracts.reporting import OutcomeCounts, TransparencyReport  # noqa: E402

OUTCOME_COLOURS = {
    "produced": "#1b6ca8",
    "partially_produced": "#5fa2d6",
    "no_data": "#a7b4c2",
    "rejected": "#c0392b",
    "redirected": "#e08e2b",
    "withdrawn": "#7f6a93",
    "preserved": "#3c8d5a",
    "pending": "#dddddd",
}
RC = {
    "svg.fonttype": "none",  # real <text>, so the page's text is searchable and selectable
    "svg.hashsalt": "writ-transparency",  # stable ids: the same report renders the same bytes
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# rc_context changes matplotlib's global settings: one chart at a time per process (renders
# run in worker threads, off the event loop).
_RENDER_LOCK = threading.Lock()
_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
_PRESENTATION = {
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-linejoin",
    "stroke-linecap",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-dashoffset",
    "opacity",
    "font-size",
    "font-family",
    "font-weight",
    "font-style",
    "text-anchor",
    "clip-path",
    "dominant-baseline",
    "fill-rule",
}


def _presentation_attributes(match: re.Match) -> str:
    attributes = []
    for declaration in match.group(1).split(";"):
        if ":" not in declaration:
            continue
        name, value = (part.strip() for part in declaration.split(":", 1))
        if name in _PRESENTATION:
            attributes.append(f' {name}="{escape(value, {chr(34): "&quot;"})}"')
    return "".join(attributes)


def inline_svg(svg: str, title: str) -> str:
    """matplotlib's SVG document → an ``<svg>`` element safe under ``style-src 'self'``."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<style[^>]*>.*?</style>\s*", "", svg, flags=re.S)
    svg = _STYLE_ATTR.sub(_presentation_attributes, svg)
    svg = re.sub(r"<defs>\s*</defs>\s*", "", svg)
    return svg.replace(
        "<svg ",
        f'<svg role="img" aria-label="{escape(title)}" stroke-linejoin="round" '
        'stroke-linecap="butt" ',
        1,
    ).replace(">", f"><title>{escape(title)}</title>", 1)


def _render(figure: Figure, title: str) -> str:
    buffer = io.StringIO()
    FigureCanvasSVG(figure)
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return inline_svg(buffer.getvalue(), title)


def _stacked_outcomes(labels: Sequence[str], rows: Sequence[OutcomeCounts], title: str) -> str:
    with _RENDER_LOCK, matplotlib.rc_context(RC):
        height = 0.9 + 0.32 * max(len(labels), 1)
        figure = Figure(figsize=(7.2, height))
        axes = figure.add_subplot()
        left = [0] * len(rows)
        for outcome, colour in OUTCOME_COLOURS.items():
            values = [getattr(r, outcome) for r in rows]
            if not any(values):
                continue
            axes.barh(
                list(labels), values, left=left, color=colour, label=outcome.replace("_", " ")
            )
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.invert_yaxis()
        axes.set_xlabel("requests")
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
        axes.set_title(title, loc="left", fontsize=10)
        return _render(figure, title)


def outcomes_by_type_chart(report: TransparencyReport) -> str:
    rows = [p for p in report.by_process_type if p.requests]
    return _stacked_outcomes(
        [p.process_type.value.replace("_", " ") for p in rows],
        [p.outcomes for p in rows],
        f"Requests by type and outcome, {report.period}",
    )


def outcomes_by_requester_chart(report: TransparencyReport) -> str:
    rows = [r for r in report.by_requester if r.requests]
    return _stacked_outcomes(
        [r.issuer_kind.value.replace("_", " ") for r in rows],
        [r.outcomes for r in rows],
        f"Requests by requester and outcome, {report.period}",
    )
