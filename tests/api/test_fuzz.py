"""Schemathesis against the served OpenAPI document: no generated request — valid by the
schema or deliberately not — gets a 5xx, and every 4xx is an RFC 9457 problem document.

Schemathesis' own ASGI transport runs the app in another thread's event loop, which the
register's connections and the Temporal client must not cross; so Hypothesis runs in a
worker thread and each generated case is sent by httpx into the app in the test's loop.
Generation is derandomised (a fixed seed), so CI sees the same requests every time.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tests.api.conftest import LiveWorld

# Examples per operation and generation mode. Hypothesis stops early on operations with
# little to vary (GET /healthz has one possible request), so the runs below assert the
# number actually sent.
EXAMPLES_PER_OPERATION = 20
MIN_REQUESTS_PER_RUN = 340  # three runs: well over 1,000 requests in all

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)

# Every check schemathesis has, but two that cannot hold here by design: each case carries
# a valid token (so "invalid auth was ignored" would misfire; tests/api/test_authorization.py
# covers auth), and intake validates beyond what a schema can say (a telephone number must
# exist in a numbering plan, the end of a range follows its start), so schema-valid data
# may rightly be refused.
EXCLUDED_CHECKS = [ignored_auth, positive_data_acceptance]

# Each case carries a valid token rather than generated (or deliberately broken) credentials,
# and unknown query parameters are ignored, as HTTP APIs do, rather than refused.
FUZZ_CONFIG = schemathesis.Config.from_dict(
    {"generation": {"with-security-parameters": False, "allow-extra-parameters": False}}
)

# Statuses that mean "this part of the request is wrong": the problem must name the part.
FIELD_NAMED = {400, 413, 415, 422}


def _send(
    world: LiveWorld, loop: asyncio.AbstractEventLoop, case: Any, headers: dict[str, str]
) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url="http://writ.test", headers=headers)
    prepared = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        cookies=kwargs.get("cookies"),
        json=kwargs.get("json"),
        data=kwargs.get("data"),
        files=kwargs.get("files"),
    ).prepare()
    request = world.api.request(
        prepared.method, prepared.url, headers=dict(prepared.headers), content=prepared.body
    )
    return asyncio.run_coroutine_threadsafe(request, loop).result(timeout=120)


def _check_problem_document(case: Any, response: httpx.Response) -> None:
    if not 400 <= response.status_code < 500:
        return
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    assert response.headers.get("content-type", "").startswith("application/problem+json"), where
    problem = response.json()
    assert problem.get("status") == response.status_code, where
    assert problem.get("type") and problem.get("title") and problem.get("detail"), where
    if response.status_code in FIELD_NAMED:
        assert problem.get("field"), where


def fuzz(
    world: LiveWorld, loop: asyncio.AbstractEventLoop, role: str, path_parameters: dict[str, str]
) -> Counter:
    """Runs in a worker thread; returns how many requests were sent, by status."""
    raw = (
        asyncio.run_coroutine_threadsafe(world.api.get("/schema/openapi.json"), loop)
        .result(timeout=60)
        .json()
    )
    schema = schemathesis.openapi.from_dict(raw, config=FUZZ_CONFIG)
    headers = world.headers(role)
    sent: Counter = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        parameters = {
            name: value
            for name, value in path_parameters.items()
            if "{" + name + "}" in operation.path
        }
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ_SETTINGS
            @given(
                case=operation.as_strategy(generation_mode=mode, path_parameters=parameters or None)
            )
            def exercise(case: Any) -> None:
                response = _send(world, loop, case, headers)
                sent[response.status_code] += 1
                case.validate_response(response, excluded_checks=EXCLUDED_CHECKS)
                _check_problem_document(case, response)

            try:
                exercise()
            except Unsatisfiable:
                # Nothing to negate: a public operation without parameters or body (GET /healthz).
                assert mode is GenerationMode.NEGATIVE, operation.label
    return sent


@pytest.mark.parametrize(
    ("role", "target"),
    [
        pytest.param("admin", "unknown", id="admin"),
        pytest.param("agency_own", "own-request", id="agency"),
        pytest.param("reviewer", "own-request", id="reviewer"),
    ],
)
async def test_no_generated_request_gets_a_server_error(
    live_world: LiveWorld, role: str, target: str
):
    path_parameters = {}
    if target == "own-request":
        # A live request in review, so updates and reads reach the workflow, not just the 404.
        path_parameters["request_id"] = await live_world.submit_in_review()
    started = time.monotonic()

    sent = await asyncio.to_thread(
        fuzz, live_world, asyncio.get_running_loop(), role, path_parameters
    )

    total = sum(sent.values())
    print(
        f"\nfuzz[{role}]: {total} requests in {time.monotonic() - started:.1f}s, by status "
        f"{dict(sorted(sent.items()))}"
    )
    assert total >= MIN_REQUESTS_PER_RUN
    assert not [status for status in sent if status >= 500]
    assert any(200 <= status < 300 for status in sent), "nothing generated got past validation"
