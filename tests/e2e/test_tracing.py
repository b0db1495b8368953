"""One trace from the agency's HTTP request to the activities: the API's server span is the
ancestor of the workflow start and of every activity the real worker runs, with the
Temporal client and worker built by ``connect()`` as in production (an in-memory exporter
stands in for the OTLP collector)."""

from __future__ import annotations

import concurrent.futures

import httpx
import msgspec
import pytest

from services.intake.app import create_app
from services.platform.temporal import connect
from services.platform.tracing import tracing_requested, use_tracer_provider
from services.workflows.worker import build_worker
from tests.support import submission, submit, wait_for_status

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def span_exporter():
    """OpenTelemetry takes one global tracer provider per process: one for the session."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


@pytest.fixture
def spans(span_exporter):
    provider, exporter = span_exporter
    exporter.clear()
    use_tracer_provider(provider)
    try:
        yield exporter
    finally:
        use_tracer_provider(None)  # later tests build uninstrumented clients and apps


async def test_a_trace_spans_the_api_the_workflow_and_its_activities(
    spans, service_settings, register, temporal_env, s3, mint, lake
):
    settings = msgspec.structs.replace(
        service_settings, temporal_address=temporal_env.client.service_client.config.target_host
    )
    client = await connect(settings)
    app = create_app(settings, register=register, temporal=client, s3=s3)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
        async with (
            build_worker(client, settings, register, executor=executor),
            httpx.AsyncClient(transport=transport, base_url="http://writ.test") as api,
        ):
            agency_id = "traced-pd"
            registered = await api.post(
                "/v1/agencies",
                headers=mint("admin", sub="admin"),
                json={
                    "id": agency_id,
                    "name": "Traced Police Department",
                    "jurisdiction": "US-NC",
                    "email_domains": ["raleighpd.gov"],
                    "callback_number": "+1 919 555 0199",
                    "officers": [{"name": "Jordan Doe", "email": "j.doe@raleighpd.gov"}],
                },
            )
            assert registered.status_code == 201, registered.text
            headers = mint("agency", sub="j.doe@raleighpd.gov", agency=agency_id)
            body = submission(
                date_range={"start": lake.period_start, "end": lake.period_end},
                issued_on=lake.issued_on,
                return_date=None,
            )
            created = await submit(api, headers, body)
            assert created.status_code == 201, created.text
            await wait_for_status(
                api, headers, created.json()["id"], {"in_review", "closed"}, timeout=60
            )

    finished = spans.get_finished_spans()
    by_id = {s.context.span_id: s for s in finished}
    server = next(
        s for s in finished if s.name.startswith("POST /v1/legal-processes") and s.parent is None
    )
    start = next(s for s in finished if s.name == "StartWorkflow:LegalProcessWorkflow")
    assess = next(s for s in finished if s.name == "RunActivity:assess")

    def ancestors(span) -> list:
        chain = []
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            chain.append(span)
        return chain

    assert start.context.trace_id == server.context.trace_id
    assert assess.context.trace_id == server.context.trace_id, "the worker continued the trace"
    assert server in ancestors(start)
    # No payloads in spans: neither the target nor the officer appears in any attribute.
    attributes = " ".join(str(dict(s.attributes or {})) for s in finished)
    assert "9195550100" not in attributes and "j.doe" not in attributes


def test_tracing_is_off_unless_the_standard_variables_ask() -> None:
    assert not tracing_requested({})
    assert tracing_requested({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing_requested({"OTEL_TRACES_EXPORTER": "otlp"})
    assert not tracing_requested(
        {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "x"}
    )
    assert not tracing_requested({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"})
