"""The JSON output: the ``TransparencyReport`` contract (schema in
``contracts/schema/reporting.json``), keys in a stable order."""

from __future__ import annotations

import msgspec

from contracts.reporting import TransparencyReport


def render_json(report: TransparencyReport) -> bytes:
    return msgspec.json.format(msgspec.json.encode(report), indent=2) + b"\n"


def parse_json(data: bytes) -> TransparencyReport:
    return msgspec.json.decode(data, type=TransparencyReport)
