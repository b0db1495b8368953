"""The transparency page in real headless Chromium: legal signs in, reads the figures and
the SVG charts under the UI's strict CSP (no violation reported), publishes the period, and
sees a late request as a difference from the frozen snapshot."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.reporting.facts import ReportFact
from tests.reporting.fixture_year import ACCOUNTS, FIXTURE_YEAR, shifted
from tests.reporting.register_support import seed
from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS
from tests.ui.conftest import token_of

pytestmark = pytest.mark.slow
YEAR = 2013  # a year no other test writes to


async def test_legal_reads_publishes_and_compares_in_the_browser(
    register,
    mint,
    served,
    tmp_path,  # noqa: F811
):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    await seed(
        register.engine,
        shifted(FIXTURE_YEAR, YEAR, "ui"),
        {f"ui-{k}": v for k, v in ACCOUNTS.items() if k != "x01"},
    )
    violations: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            page.on(
                "console",
                lambda m: (
                    violations.append(m.text) if "Content Security Policy" in m.text else None
                ),
            )
            await page.goto(f"{served}/ui/login")
            await page.get_by_label("Bearer token").fill(token_of(mint("legal", sub="lee")))
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{served}/ui/")

            await page.goto(f"{served}/ui/transparency/{YEAR}")
            assert await page.text_content("h1") == f"Transparency report {YEAR}"
            charts = page.locator("figure.chart svg")
            assert await charts.count() == 2
            box = await charts.first.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 100
            assert await page.locator("figure.chart svg [style]").count() == 0
            body = await page.text_content("body")
            assert "National security process" in body and "0–249" in body
            assert "Methodology" in body
            # The report's stylesheet applied (served from 'self', not inline).
            display = await page.eval_on_selector(
                ".report .summary", "e => getComputedStyle(e).display"
            )
            assert display == "grid"
            await page.screenshot(path=str(tmp_path / "transparency-live.png"), full_page=True)

            await page.get_by_role("button", name=f"Publish {YEAR}").click()
            await page.wait_for_url(f"{served}/ui/transparency/{YEAR}")
            assert f"Published {YEAR}" in await page.text_content(".flash")
            section = await page.text_content("section[aria-labelledby=diff-title]")
            assert "differs in 0 cells" in " ".join(section.split())

            late = ReportFact(
                request_id="ui-late",
                received_at=dt.datetime(YEAR, 12, 30, tzinfo=dt.UTC),
                process_type="subpoena",
                issuer_kind="local",
                identifiers=1,
            )
            await seed(register.engine, [late])
            await page.reload()
            differences = page.locator("section[aria-labelledby=diff-title] tbody tr")
            assert await differences.count() >= 3  # requests, pending, subpoena rows ...
            assert "15" in await page.text_content(".summary dd")  # published figure kept
            await page.screenshot(path=str(tmp_path / "transparency-published.png"), full_page=True)
        finally:
            await browser.close()
    assert not violations, violations
    print("screenshots in", Path(tmp_path))
