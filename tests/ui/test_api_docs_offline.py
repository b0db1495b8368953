"""The API docs render with no network beyond the app itself: every request the page makes
to any other host is refused, and Swagger UI must still list the API's operations."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow


async def test_swagger_ui_renders_the_operations_offline(served):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    app_host = urlsplit(served).netloc
    refused: list[str] = []

    async def only_the_app(route) -> None:
        if urlsplit(route.request.url).netloc == app_host:
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context()
            await context.route("**/*", only_the_app)
            page = await context.new_page()
            for path in ("/schema", "/schema/swagger"):
                await page.goto(f"{served}{path}")
                await page.wait_for_selector(".opblock", timeout=30_000)
                summaries = await page.locator(".opblock-summary-path").all_text_contents()
                assert any("/v1/legal-processes" in s for s in summaries), summaries
                assert "Writ legal-process API" in await page.locator(".title").inner_text()
        finally:
            await browser.close()
    assert refused == [], f"the docs page reached for other hosts: {refused}"


async def test_only_the_page_assets_are_served(api):
    for name, kind in (("swagger-ui-bundle.js", "javascript"), ("swagger-ui.css", "css")):
        response = await api.get(f"/schema/assets/{name}")
        assert response.status_code == 200, name
        assert kind in response.headers["content-type"]
    for name in ("index.html", "swagger-ui-bundle.js.map", "..%2Fpyproject.toml"):
        response = await api.get(f"/schema/assets/{name}")
        assert response.status_code == 404, name
