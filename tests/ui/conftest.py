"""The review UI's tests: a cookie session on the ``api`` client, and the real worker and
lake from the end-to-end suite for the tests that decide real requests."""

from __future__ import annotations

import re

import pytest

from contracts.enums import Status
from services.stack.servers import free_port
from tests.e2e.conftest import lake, worker  # noqa: F401  (fixtures shared with the e2e suite)
from tests.support import submission, submit, wait_for_status
from tests.ui.browser import QuietServer

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def ui_login(api, headers: dict[str, str]):
    """Sign in through the form; returns the response to the form's POST."""
    api.cookies.clear()
    page = await api.get("/ui/login")
    assert page.status_code == 200
    return await api.post(
        "/ui/login", data={"token": token_of(headers), "csrf_token": csrf_from(page.text)}
    )


@pytest.fixture
async def in_review(api, agency, worker, lake) -> str:  # noqa: F811
    """A §2703(d) order for the lake's planted number, waiting for a reviewer."""
    body = submission(
        process_type="court_order_2703d",
        categories=["subscriber_info", "toll_records", "content"],
        date_range={"start": lake.period_start, "end": lake.period_end},
        issued_on=lake.issued_on,
        return_date=None,
    )
    created = await submit(api, agency["headers"], body)
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    await wait_for_status(api, agency["headers"], request_id, {"in_review"})
    return request_id


@pytest.fixture
async def served(service_settings, register, temporal_env, s3):
    """The app over real HTTP on a free port; yields its base URL."""
    from services.intake.app import create_app

    app = create_app(service_settings, register=register, temporal=temporal_env.client, s3=s3)
    async with QuietServer(app, free_port()) as url:
        yield url


@pytest.fixture
async def queue_page_size(register, agency):
    """More open requests of one agency than one queue page holds (inserted directly)."""
    from services.intake.ui.controllers import QUEUE_PAGE
    from tests.api.test_review_queue_paging import _record

    ids = []
    for n in range(QUEUE_PAGE + 3):
        record = _record(
            agency["id"], n, emergency=n == 0, return_in=10 + n % 3, status=Status.IN_REVIEW
        )
        await register.legal_processes.insert(record, actor="j.doe@raleighpd.gov")
        ids.append(record.id)
    return agency["id"], ids
