"""OpenTelemetry tracing across the API, Temporal and the activities: one trace from an
agency's HTTP request through the workflow start to every activity the worker runs.

Off unless the standard variables ask for it (the SDK's own names, so operators need no
Writ-specific ones): ``OTEL_TRACES_EXPORTER=otlp`` or an ``OTEL_EXPORTER_OTLP_ENDPOINT`` /
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` turns it on; ``OTEL_SDK_DISABLED=true`` or
``OTEL_TRACES_EXPORTER=none`` keeps it off. Spans leave by OTLP over HTTP, configured by
``OTEL_EXPORTER_OTLP_*``; the service name is ``OTEL_SERVICE_NAME`` or ``writ-api`` /
``writ-worker``. Spans carry operation names and ids (request path, workflow and activity
types, workflow ids), never payloads: Temporal's interceptor does not record arguments.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

_active = False


def tracing_requested(environ: Mapping[str, str] = os.environ) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter != "none"
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def configure_tracing(service_name: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Install the process's tracer provider with the OTLP exporter, if requested."""
    if not tracing_requested(environ):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    use_tracer_provider(provider)
    return True


def use_tracer_provider(provider: Any | None) -> None:
    """Trace with ``provider`` from now on (None: stop instrumenting new clients and apps).
    OpenTelemetry allows one global provider per process; tests pass an in-memory one."""
    global _active
    if provider is not None:
        from opentelemetry import trace

        if trace.get_tracer_provider() is not provider:
            trace.set_tracer_provider(provider)
    _active = provider is not None


def tracing_active() -> bool:
    return _active


def temporal_interceptors() -> list[Any]:
    """For ``Client.connect``: workers built on the client inherit them, so the workflow
    and its activities continue the trace that started the workflow."""
    if not _active:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]


def litestar_plugins() -> list[Any]:
    """A server span per HTTP request, the parent of whatever the handler calls."""
    if not _active:
        return []
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin

    return [OpenTelemetryPlugin(OpenTelemetryConfig())]
