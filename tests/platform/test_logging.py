"""Personal data never reaches a log line."""

import json

import structlog

from services.platform.logging import REDACTED, configure_logging, redact_text


def test_patterns_in_free_text_are_redacted():
    text = "lookup for (919) 555-0100 by j.doe@raleighpd.gov from 203.0.113.7 and 2001:db8::1:5"
    redacted = redact_text(text)
    for secret in ("555-0100", "j.doe@raleighpd.gov", "203.0.113.7", "2001:db8::1:5"):
        assert secret not in redacted
    assert redacted.startswith("lookup for ")


def test_sensitive_keys_and_nested_values_are_redacted(capsys):
    configure_logging(json=True)
    log = structlog.get_logger("test")
    log.info(
        "collected",
        request_id="lp_1",
        targets=["+19195550100"],
        detail={"email": "a@b.gov", "rows": 3},
        note="called +1 919 555 0100",
    )
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["request_id"] == "lp_1"
    assert line["targets"] == REDACTED
    assert line["detail"] == {"email": REDACTED, "rows": 3}
    assert "555" not in line["note"]
