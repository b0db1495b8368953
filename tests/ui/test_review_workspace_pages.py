"""Issue 14, the workspace's pages with the API test client: the submitted PDF served
through the app under its own CSP and audited, the request page's CSP, a rejection
without a reason refused on the page, the ask form's warning when the answer would come
after the return date, claiming from the page, and the queue's counts, countdown and
paging links."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from services.register.tables import audit_events
from tests.support import MINIMAL_PDF, submission, submit, wait_for_status
from tests.ui.conftest import csrf_from, ui_login


async def test_the_pdf_is_served_inline_under_its_own_csp_and_audited(api, mint, in_review):
    await ui_login(api, mint("reviewer", sub="alice"))
    page = await api.get(f"/ui/requests/{in_review}")
    csp = page.headers["content-security-policy"]
    assert "frame-src 'self'" in csp and "object-src 'self'" in csp and "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    queue_csp = (await api.get("/ui/")).headers["content-security-policy"]
    assert "object-src" not in queue_csp and "frame-src" not in queue_csp  # that route only
    assert f'data="/ui/requests/{in_review}/document"' in page.text

    inline = await api.get(f"/ui/requests/{in_review}/document")
    assert inline.status_code == 200 and inline.content == MINIMAL_PDF
    assert inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"].startswith("inline")
    assert "frame-ancestors 'self'" in inline.headers["content-security-policy"]
    download = await api.get(f"/ui/requests/{in_review}/document", params={"download": "true"})
    assert download.headers["content-disposition"].startswith("attachment")

    trail = await api.get(
        f"/v1/legal-processes/{in_review}/audit", headers=mint("auditor", sub="audrey")
    )
    actions = [(e["action"], e["actor"], e["detail"].get("roles")) for e in trail.json()]
    assert ("document_viewed", "alice", "reviewer") in actions
    assert ("document_downloaded", "alice", "reviewer") in actions


async def test_a_rejection_without_a_reason_is_refused_on_the_page(api, mint, in_review):
    await ui_login(api, mint("reviewer", sub="alice"))
    page = await api.get(f"/ui/requests/{in_review}")
    assert '<option value="">— choose a reason —</option>' in page.text
    refused = await api.post(
        f"/ui/requests/{in_review}/decisions",
        data={"csrf_token": csrf_from(page.text), "action": "reject", "note": "no"},
    )
    assert refused.status_code == 303
    shown = await api.get(refused.headers["location"])
    assert "Not recorded: reason_code: a rejection needs its reason code" in shown.text
    assert "in_review" in shown.text


async def test_asking_warns_when_the_answer_would_come_after_the_return_date(
    api, agency, mint, worker, lake
):
    body = submission(
        process_type="court_order_2703d",
        date_range={"start": lake.period_start, "end": lake.period_end},
        issued_on=lake.issued_on,
        return_date="2026-12-05",  # fewer than 14 days away
    )
    created = await submit(api, agency["headers"], body)
    request_id = created.json()["id"]
    await wait_for_status(api, agency["headers"], request_id, {"in_review"})
    await ui_login(api, mint("reviewer", sub="alice"))
    page = await api.get(f"/ui/requests/{request_id}")
    assert 'id="ask-warning"' in page.text
    assert "after the return date 2026-12-05" in page.text


async def test_claiming_from_the_page_and_the_queue_shows_it(api, mint, agency, in_review):
    await ui_login(api, mint("reviewer", sub="alice"))
    page = await api.get(f"/ui/requests/{in_review}")
    claimed = await api.post(
        f"/ui/requests/{in_review}/assignment", data={"csrf_token": csrf_from(page.text)}
    )
    assert claimed.status_code == 303
    shown = await api.get(claimed.headers["location"])
    assert "Assigned to alice." in shown.text
    assert re.search(r'id="assignee">alice', shown.text)
    mine = await api.get("/ui/", params={"mine": "true", "q": agency["id"]})
    assert f'href="/ui/requests/{in_review}"' in mine.text
    assert "in review</a>" in mine.text  # the counts per status
    assert 'class="countdown none"' in mine.text  # this one has no return date
    forged = await api.post(f"/ui/requests/{in_review}/assignment", data={"assignee": "bob"})
    assert forged.status_code == 403  # no CSRF token: nothing assigned


async def test_the_queue_pages_through_everything(api, mint, queue_page_size):
    await ui_login(api, mint("reviewer", sub="alice"))
    agency_id, ids = queue_page_size
    seen: list[str] = []
    url = f"/ui/?q={agency_id}"
    for _ in range(10):
        page = await api.get(url)
        seen += re.findall(r'<tr class="[^"]*" data-href="/ui/requests/([^"]+)"', page.text)
        nxt = re.search(r'<a href="/ui/\?([^"]+)" rel="next">', page.text)
        if not nxt:
            break
        url = "/ui/?" + nxt.group(1).replace("&amp;", "&")
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


async def test_legal_searches_by_target_and_the_search_is_audited(api, mint, in_review, register):
    await ui_login(api, mint("reviewer", sub="alice"))
    queue = await api.get("/ui/")
    assert "Search by target" not in queue.text  # reviewers: not their search
    refused = await api.post(
        "/ui/search/target",
        data={
            "csrf_token": csrf_from(queue.text),
            "target_kind": "telephone_number",
            "target": "(919) 555-0100",
        },
    )
    assert refused.status_code == 403

    await ui_login(api, mint("legal", sub="lee"))
    queue = await api.get("/ui/")
    assert "Search by target" in queue.text
    found = await api.post(
        "/ui/search/target",
        data={
            "csrf_token": csrf_from(queue.text),
            "target_kind": "telephone_number",
            "target": "(919) 555-0100",  # any spelling: normalised before matching
        },
    )
    assert found.status_code == 200
    assert f'href="/ui/requests/{in_review}"' in found.text
    assert "555-0100" not in found.text and "9195550100" not in found.text
    async with register.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(audit_events.c.detail).where(
                    audit_events.c.action == "target_search", audit_events.c.actor == "lee"
                )
            )
        ).all()
    events = [r.detail for r in rows]
    assert events, "the search was not audited"
    detail = events[-1]
    assert detail["kind"] == "telephone_number" and in_review in detail["found"]
    assert "+19195550100" not in str(detail) and len(detail["target_sha256"]) == 64
    bad = await api.post(
        "/ui/search/target",
        data={"csrf_token": csrf_from(queue.text), "target_kind": "email", "target": "x"},
    )
    assert bad.status_code == 303  # back to the queue with the field's message


EMERGENCY = {
    "process_type": "emergency_request",
    "issuer": {"kind": "local", "name": "Raleigh Police Department", "jurisdiction": "US-NC"},
    "emergency": {"nature_of_danger": "a kidnapping in progress"},
    "return_date": None,
}


async def test_the_request_page_links_an_emergency_and_its_follow_up_process(
    api, agency, mint, register, worker
):
    async def submitted(**overrides) -> str:
        response = await submit(api, agency["headers"], submission(**overrides))
        assert response.status_code == 201, response.text
        return response.json()["id"]

    emergency_id = await submitted(**EMERGENCY)
    due = dt.datetime.now(dt.UTC) + dt.timedelta(days=2, hours=3)
    assert await register.legal_processes.expect_follow_up(emergency_id, due) == "awaiting"
    await ui_login(api, mint("reviewer", sub="alice"))
    awaiting = await api.get(f"/ui/requests/{emergency_id}")
    shown = re.search(r'<dd id="follow-up" class="follow-up awaiting">(.*?)</dd>', awaiting.text)
    assert shown, "the awaited follow-up is not on the emergency's page"
    assert f"awaited, due {due:%Y-%m-%d %H:%M:%S} UTC" in shown.group(1)
    assert re.search(r"\(2d 0[23]h\)", shown.group(1)), shown.group(1)  # time remaining

    warrant_id = await submitted(process_type="search_warrant", follows_emergency=emergency_id)
    received = await api.get(f"/ui/requests/{emergency_id}")
    link = f'<a href="/ui/requests/{warrant_id}">{warrant_id}</a>'
    assert re.search(
        rf'<dd id="follow-up" class="follow-up received">received: {re.escape(link)}</dd>',
        received.text,
    ), received.text
    warrant = await api.get(f"/ui/requests/{warrant_id}")
    assert f'<dd id="follows-emergency"><a href="/ui/requests/{emergency_id}">' in warrant.text
    assert 'id="follow-up"' not in warrant.text  # the warrant has no follow-up of its own
