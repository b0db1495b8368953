"""Schemathesis against the served OpenAPI document: no generated request — valid by the
schema or deliberately not — gets a 5xx, and every 4xx is an RFC 9457 problem document.

Schemathesis' own ASGI transport runs the app in another thread's event loop, which the
register's connections and the Temporal client must not cross; so Hypothesis runs in a
worker thread and each generated case is sent by httpx into the app in the test's loop.
Generation is derandomised (a fixed seed), so CI sees the same requests every time.

Drawing the cases, not serving them, is most of a run's time (Hypothesis and schemathesis
building each request from the schema). With the fixed seed every run drew the same cases
anyway, so each set is drawn once per session and every role sends all of it to each
register; a failing case is searched for again under Hypothesis, which shrinks it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
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


# Stands for the run's own request while the cases are drawn; each run sends its own id.
OWN_REQUEST = "lp_fuzz0own0request0placeholder"

# (schema digest, operation, mode, with own request) -> the cases drawn for it.
_DRAWN: dict[tuple[str, str, GenerationMode, bool], list[Any]] = {}


def _search(operation: Any, mode: GenerationMode, parameters: dict, on_case: Callable) -> None:
    """Hypothesis over one operation's cases. The same function draws and re-searches, so
    both see the same seed and so the same cases."""

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=parameters or None))
    def each(case: Any) -> None:
        on_case(case)

    try:
        each()
    except Unsatisfiable:
        # Nothing to negate: a public operation without parameters or body (GET /healthz).
        assert mode is GenerationMode.NEGATIVE, operation.label


def _drawn(digest: str, operation: Any, mode: GenerationMode, own_request: bool) -> list[Any]:
    key = (digest, operation.label, mode, own_request)
    if key not in _DRAWN:
        cases: list[Any] = []
        parameters = {"request_id": OWN_REQUEST} if own_request else {}
        _search(operation, mode, _for(operation, parameters), cases.append)
        _DRAWN[key] = cases
    return _DRAWN[key]


def _for(operation: Any, path_parameters: dict[str, str]) -> dict[str, str]:
    return {
        name: value for name, value in path_parameters.items() if "{" + name + "}" in operation.path
    }


def fuzz(
    world: LiveWorld, loop: asyncio.AbstractEventLoop, role: str, path_parameters: dict[str, str]
) -> Counter:
    """Runs in a worker thread; returns how many requests were sent, by status."""
    raw = (
        asyncio.run_coroutine_threadsafe(world.api.get("/schema/openapi.json"), loop)
        .result(timeout=60)
        .json()
    )
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    schema = schemathesis.openapi.from_dict(raw, config=FUZZ_CONFIG)
    headers = world.headers(role)
    sent: Counter = Counter()

    def exercise(case: Any) -> None:
        response = _send(world, loop, case, headers)
        sent[response.status_code] += 1
        case.validate_response(response, excluded_checks=EXCLUDED_CHECKS)
        _check_problem_document(case, response)

    for result in schema.get_all_operations():
        operation = result.ok()
        parameters = _for(operation, path_parameters)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for drawn in _drawn(digest, operation, mode, "request_id" in parameters):
                case = drawn.derive()
                case.path_parameters.update(parameters)
                try:
                    exercise(case)
                except Exception:
                    # Found again under Hypothesis, which shrinks it to a minimal example.
                    _search(operation, mode, parameters, exercise)
                    raise
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
