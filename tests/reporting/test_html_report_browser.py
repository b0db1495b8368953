"""The API-served standalone report (``GET /v1/transparency-reports/{period}?format=html``)
in real headless Chromium (issue 10): it renders with its stylesheet, both charts show as
SVG, its own Content-Security-Policy holds (no violation reported), nothing is fetched but
the page itself, and it reads the same with JavaScript off."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.stack.servers import free_port
from tests.reporting.fixture_year import ACCOUNTS, FIXTURE_YEAR, shifted
from tests.reporting.register_support import seed
from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS, QuietServer

pytestmark = pytest.mark.slow
YEAR = 2005  # a year no other test writes to (the register is shared)


@pytest.fixture
async def served(service_settings, register, temporal_env, s3):
    from services.intake.app import create_app

    app = create_app(service_settings, register=register, temporal=temporal_env.client, s3=s3)
    async with QuietServer(app, free_port()) as url:
        yield url


async def test_the_standalone_report_renders_under_its_policy_without_fetching(
    register, mint, served, tmp_path
):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    await seed(
        register.engine,
        shifted(FIXTURE_YEAR, YEAR, "html"),
        {f"html-{k}": v for k, v in ACCOUNTS.items() if k != "x01"},
    )
    url = f"{served}/v1/transparency-reports/{YEAR}?format=html"
    auth = {"Authorization": mint("auditor", sub="ann")["Authorization"]}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for javascript in (True, False):
                context = await browser.new_context(
                    extra_http_headers=auth,
                    java_script_enabled=javascript,
                    viewport={"width": 1280, "height": 900},
                )
                page = await context.new_page()
                requested: list[str] = []
                violations: list[str] = []
                page.on("request", lambda r, seen=requested: seen.append(r.url))
                page.on(
                    "console",
                    lambda m, seen=violations: (
                        seen.append(m.text) if "Content Security Policy" in m.text else None
                    ),
                )
                response = await page.goto(url)
                assert response is not None and response.status == 200
                policy = response.headers["content-security-policy"]
                assert "default-src 'none'" in policy

                assert await page.text_content("h1") == f"Transparency report {YEAR}"
                charts = page.locator("figure.chart svg")
                assert await charts.count() == 2
                for index in range(2):
                    box = await charts.nth(index).bounding_box()
                    assert box is not None and box["width"] > 300 and box["height"] > 100
                    # Drawn, not empty: the bars and labels are there.
                    assert await charts.nth(index).locator("path, rect, use").count() > 5
                body = " ".join((await page.text_content("body")).split())
                assert "Methodology" in body and "National security process" in body
                assert "0–249" in body or "0–999" in body or "0–499" in body or "0–99" in body
                # The page's one stylesheet (allowed by hash) applied; inline styles none.
                display = await page.eval_on_selector(
                    ".report .summary", "e => getComputedStyle(e).display"
                )
                assert display == "grid"
                assert await page.locator("[style]").count() == 0

                assert requested == [url], requested  # no font, image, script or beacon
                assert not violations, violations
                if javascript:
                    await page.screenshot(
                        path=str(tmp_path / "transparency-report-html.png"), full_page=True
                    )
                await context.close()
        finally:
            await browser.close()
    print("screenshot in", Path(tmp_path))
