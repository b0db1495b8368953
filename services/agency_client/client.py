"""A small client of the agency API (docs/agencies.md): what an agency's integrator needs to
submit process, follow it, answer a question, withdraw, and download and verify the
production. Plain HTTP over httpx; errors come back as the API's problem documents."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx

from services.delivery.verification import PackageVerification, verify_package

# A request in one of these will not change any more (docs/agencies.md, "Following a
# request"); ``delivered`` still moves on to ``closed``.
FINAL_STATUSES = frozenset({"closed", "rejected", "redirected", "withdrawn", "released"})


class AgencyApiError(Exception):
    """The API refused: ``problem`` is its RFC 9457 document (``field`` names the input)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        field = f" [{problem['field']}]" if problem.get("field") else ""
        super().__init__(f"HTTP {status}{field}: {problem.get('detail') or problem.get('title')}")


class AgencyClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AgencyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ------------------------------------------------------------------------

    def submit(
        self, metadata: dict[str, Any], document: bytes, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Submit process with its signed PDF; the request's view (``id``, ``status``)."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = self.http.post(
            "/v1/legal-processes",
            files={"document": ("process.pdf", document, "application/pdf")},
            data={"metadata": json.dumps(metadata)},
            headers=headers,
        )
        return _json(response)

    def status(self, request_id: str) -> dict[str, Any]:
        return _json(self.http.get(f"/v1/legal-processes/{request_id}"))

    def wait(
        self,
        request_id: str,
        wanted: Iterable[str],
        *,
        timeout: float = 300.0,
        interval: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> dict[str, Any]:
        """Poll until the status is one of ``wanted`` or final; the last view either way
        (the caller compares ``status``). ``TimeoutError`` when neither came in time."""
        wanted = set(wanted)
        deadline = time.monotonic() + timeout
        while True:
            view = self.status(request_id)
            if view["status"] in wanted or view["status"] in FINAL_STATUSES:
                return view
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"{request_id} is still {view['status']} after {timeout:g} s "
                    f"(waiting for {', '.join(sorted(wanted))})"
                )
            sleep(interval)

    def respond(self, request_id: str, text: str) -> dict[str, Any]:
        return _json(
            self.http.post(f"/v1/legal-processes/{request_id}/responses", json={"text": text})
        )

    def withdraw(self, request_id: str, reason: str) -> dict[str, Any]:
        return _json(
            self.http.post(f"/v1/legal-processes/{request_id}/withdraw", json={"reason": reason})
        )

    def extend_preservation(self, request_id: str) -> dict[str, Any]:
        return _json(self.http.post(f"/v1/legal-processes/{request_id}/extensions"))

    # -- the production ------------------------------------------------------------------

    def download(self, request_id: str, destination: Path) -> PackageVerification:
        """Save the production to ``destination`` (streamed, written whole or not at all)
        and verify it against the provider's published keys."""
        partial = destination.with_name(destination.name + ".part")
        with self.http.stream("GET", f"/v1/legal-processes/{request_id}/production") as response:
            if response.status_code != 200:
                response.read()
                _json(response)
            with partial.open("wb") as out:
                for chunk in response.iter_bytes(1 << 20):
                    out.write(chunk)
        partial.replace(destination)
        return verify_package(destination, self.jwks())

    def jwks(self) -> dict[str, Any]:
        return _json(self.http.get("/.well-known/jwks.json"))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {"title": response.reason_phrase, "detail": response.text[:200]}
    if response.status_code >= 400:
        raise AgencyApiError(response.status_code, body if isinstance(body, dict) else {})
    return body
