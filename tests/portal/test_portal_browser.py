"""The agency portal in Debian's headless Chromium: an officer signs in with the agency's
token, submits a §2703(d) order through the form (first with a mistyped number, which the
form shows next to its field), sees the request in the list, answers the reviewer's
question, and downloads the production and sees its signature check."""

from __future__ import annotations

import asyncio
import zipfile

import pytest

from services.delivery.signing import published_keys
from services.delivery.verification import verify_package
from tests.portal.conftest import token_of
from tests.support import MINIMAL_PDF, wait_for_status
from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow


async def _status_shows(page, url: str, wanted: str, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await page.goto(url)
        if wanted in (await page.text_content(".status") or ""):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"status never showed {wanted}: {await page.text_content('body')}")
        await asyncio.sleep(0.3)


async def test_an_officer_submits_answers_and_downloads_in_the_browser(
    api, agency, mint, worker, lake, served, service_settings, tmp_path
):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    pdf = tmp_path / "order.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    reviewer = mint("reviewer", sub="alice")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(accept_downloads=True)
            page = await context.new_page()
            await page.goto(f"{served}/portal/")
            assert page.url.endswith("/portal/login")
            await page.get_by_label("Agency token").fill(token_of(agency["headers"]))
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{served}/portal/")
            assert "Your agency's requests" in await page.text_content("h1")
            cookies = {c["name"]: c for c in await context.cookies()}
            session = cookies["writ_portal_session"]
            assert session["httpOnly"] and session["sameSite"] == "Strict"
            assert session["path"] == "/portal"

            await page.get_by_role("link", name="Submit new process").click()
            await page.select_option("#process_type", "court_order_2703d")
            await page.fill("#case_number", "2026-CR-PORTAL-1")
            await page.fill("#issued_on", lake.issued_on)
            await page.select_option("[id='issuer.kind']", "state")
            await page.fill("[id='issuer.name']", "Wake County Superior Court")
            await page.fill("[id='issuer.jurisdiction']", "US-NC")
            await page.fill("[id='officer.name']", "Jordan Doe")
            await page.fill("[id='officer.email']", "j.doe@raleighpd.gov")
            await page.select_option("[id='targets[0].kind']", "telephone_number")
            await page.fill("[id='targets[0].value']", "555-01")  # mistyped
            await page.check("input[name=categories][value=subscriber_info]")
            await page.check("input[name=categories][value=toll_records]")
            await page.fill("[id='date_range.start']", lake.period_start)
            await page.fill("[id='date_range.end']", lake.period_end)
            await page.set_input_files("#document", str(pdf))
            await page.get_by_role("button", name="Submit").click()

            # The contract's problem, next to the field it names; what was typed is kept.
            error = page.locator("[data-field='targets[0].value']")
            await error.wait_for()
            assert "telephone" in (await error.text_content()).lower()
            assert await page.input_value("#case_number") == "2026-CR-PORTAL-1"
            await page.fill("[id='targets[0].value']", "(919) 555-0100")
            await page.set_input_files("#document", str(pdf))
            await page.get_by_role("button", name="Submit").click()
            await page.wait_for_url("**/portal/requests/lp_*?notice=submitted")
            request_id = page.url.split("/portal/requests/")[1].split("?")[0]
            assert "Received" in await page.text_content("body")

            await wait_for_status(api, agency["headers"], request_id, {"in_review"})
            await page.goto(f"{served}/portal/")
            row = page.locator("tr", has=page.get_by_role("link", name=request_id))
            assert "in_review" in await row.text_content()

            asked = await api.post(
                f"/v1/legal-processes/{request_id}/decisions",
                json={"action": "ask_agency", "question": "Which subscriber do you mean?"},
                headers=reviewer,
            )
            assert asked.status_code == 200, asked.text
            detail = f"{served}/portal/requests/{request_id}"
            await _status_shows(page, detail, "awaiting_agency")
            assert "Which subscriber do you mean?" in await page.text_content(".question")
            await page.goto(f"{served}/portal/")
            row = page.locator("tr", has=page.get_by_role("link", name=request_id))
            assert "Which subscriber do you mean?" in await row.text_content()

            await page.goto(detail)
            await page.get_by_label("Your answer").fill("The holder of (919) 555-0100.")
            await page.get_by_role("button", name="Send answer").click()
            await page.wait_for_url(f"{detail}?notice=answered")
            await wait_for_status(api, agency["headers"], request_id, {"in_review"})

            approved = await api.post(
                f"/v1/legal-processes/{request_id}/decisions",
                json={"action": "approve"},
                headers=reviewer,
            )
            assert approved.status_code == 200, approved.text
            await _status_shows(page, detail, "closed", timeout=120)

            async with page.expect_download() as info:
                await page.get_by_role("link", name="Download production.zip").click()
            download = await info.value
            saved = tmp_path / "production.zip"
            await download.save_as(saved)
            assert "manifest.json" in zipfile.ZipFile(saved).namelist()
            assert verify_package(saved, published_keys(service_settings)).intact

            await page.get_by_role("link", name="Check its signature").click()
            check = await page.text_content(".verification")
            assert check.startswith("Intact:"), check
            await page.screenshot(path=str(tmp_path / "portal-verified.png"), full_page=True)
        finally:
            await browser.close()
