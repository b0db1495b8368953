"""structlog configuration: JSON off a terminal, context merged first, personal data redacted.

Redaction is by key (fields that hold identifiers or people's details never reach a log
line) and by pattern (phone numbers, emails and IP addresses inside free text).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

REDACTED = "[redacted]"

SENSITIVE_KEYS = frozenset(
    {
        "target",
        "targets",
        "identifier",
        "identifiers",
        "value",
        "phone",
        "phone_number",
        "telephone_number",
        "number",
        "email",
        "officer_email",
        "ip",
        "ip_address",
        "name",
        "officer_name",
        "address",
        "body",
        "records",
        "authorization",
        "token",
        "password",
        "secret",
        "webhook_secret",
    }
)

# Values that are identifiers of our own (workflow and run ids, request ids, hashes) are
# never personal data, and pattern redaction would only mangle them (a run id's digit
# groups look like a telephone number): these keys are passed through untouched.
ID_KEYS = frozenset(
    {
        "timestamp",
        "level",
        "logger",
        "request_id",
        "path",
        "method",
        "workflow_id",
        "run_id",
        "activity_id",
        "activity_type",
        "workflow_type",
        "task_queue",
        "namespace",
        "attempt",
        "sha256",
        "manifest_sha256",
        "document_sha256",
        "message_id",
        "delivery_id",
    }
)

_PATTERNS = (
    # Telephone numbers in any common format, but not digit runs inside a longer token
    # (a UUID's groups, a hex digest, a key like ``doc_5550100123``); a leading + may be
    # percent-encoded, as in the query string of a number lookup's access-log line.
    re.compile(r"(?<![\w-])(?:%2[Bb]|[+(])?\d[\d\s().-]{8,}\d(?![\w-])"),
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),  # emails
    re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),  # IPv4
    # SQL parameters that database drivers append to their error messages.
    re.compile(r"\[parameters: .*?\](?=\s|$)", re.DOTALL),
)
# IPv6 has too many spellings for one regex: find candidates, let ipaddress decide.
_IPV6_CANDIDATE = re.compile(r"[0-9A-Fa-f]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f.]*")


def _ipv6_or_keep(match: re.Match[str]) -> str:
    try:
        ipaddress.IPv6Address(match.group(0))
    except ValueError:
        return match.group(0)
    return REDACTED


def redact_text(text: str) -> str:
    text = _IPV6_CANDIDATE.sub(_ipv6_or_keep, text)
    for pattern in _PATTERNS:
        text = pattern.sub(_replacement(pattern), text)
    return text


def _replacement(pattern: re.Pattern[str]) -> str:
    return "[parameters: " + REDACTED + "]" if pattern.pattern.startswith(r"\[param") else REDACTED


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {
            k: REDACTED
            if str(k).lower() in SENSITIVE_KEYS
            else v
            if str(k).lower() in ID_KEYS
            else _redact(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in value]
    return value


def redact_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key.lower() in SENSITIVE_KEYS:
            event_dict[key] = REDACTED
        elif key.lower() not in ID_KEYS:
            event_dict[key] = _redact(event_dict[key])
    return event_dict


def access_log_fields(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """uvicorn's access line as fields (method, path, status) instead of one string; the
    client's address is left out and the path (its query string may carry anything) is
    redacted here, since ``path`` is otherwise passed through as one of our ids."""
    record = event_dict.get("_record")
    args = event_dict.pop("positional_args", None) or ()  # the formatter passes them
    if record is not None and record.name == "uvicorn.access" and len(args) == 5:
        _client, method, path, http_version, status = args
        event_dict["event"] = "http request"
        event_dict.update(
            method=method, path=redact_text(str(path)), http_version=http_version, status=status
        )
    return event_dict


def configure_logging(level: str = "INFO", json: bool | None = None) -> None:
    json = (not sys.stderr.isatty()) if json is None else json
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_personal_data,
    ]
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Libraries that log through the standard library (uvicorn, temporalio) get the same
    # redaction and format.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, access_log_fields, *shared],
            pass_foreign_args=True,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Python warnings (a library's UserWarning) become log lines in the same format, not
    # bare text on stderr.
    logging.captureWarnings(True)
