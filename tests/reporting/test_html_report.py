"""The HTML page is self-contained and passes a strict CSP: one inline stylesheet whose hash
the policy names, SVG charts without inline styles, no script, no external resource."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

from contracts.reporting import NationalSecurityOption
from services.reporting.aggregate import build_report
from services.reporting.html_report import CONTENT_SECURITY_POLICY, STYLE_HASH, render_html
from services.reporting.periods import parse_period
from tests.reporting.test_no_exact_national_security_count import planted_groups


def test_the_page_is_self_contained_under_its_policy():
    report = build_report(
        planted_groups(),
        accounts_affected=1,
        period=parse_period("2026"),
        option=NationalSecurityOption.SEMIANNUAL_250,
        computed_at=dt.datetime(2027, 1, 2, tzinfo=dt.UTC),
    )
    html = render_html(report).decode()
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert f"sha256-{digest}" == STYLE_HASH and STYLE_HASH in CONTENT_SECURITY_POLICY
    assert html.count("<svg") == 2 and " style=" not in html
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert not re.search(r"(src|href)=\"https?://", html)
    assert "@media print" in styles[0]
    assert "Methodology" in html and "50 U.S.C. §1874(a)(3)" in html


def test_the_same_report_renders_the_same_bytes():
    """Stable output: a snapshot's digest can be recomputed from its JSON."""
    report = build_report(
        planted_groups(),
        accounts_affected=1,
        period=parse_period("2026"),
        option=NationalSecurityOption.SEMIANNUAL_1000,
        computed_at=dt.datetime(2027, 1, 2, tzinfo=dt.UTC),
    )
    assert render_html(report) == render_html(report)
