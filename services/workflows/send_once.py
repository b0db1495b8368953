"""Sending a mail once however the bookkeeping fails (docs/operations.md, "Mail and
webhooks: exactly once").

The order is: the outbox row first (``services/register/outbox.py``: the stable key and
the Message-ID every attempt carries), then the SMTP send, then ``sent_at`` with the step's
audit event in one transaction. A crash or a failed write between the send and the mark
makes the retry send the same message, with the same Message-ID, again: the receiving
system drops it as a duplicate (the embedded sink does, ``services/stack/mailsink.py``),
and the outbox row's ``attempts`` records that it happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

import structlog

from services.delivery.mail import send
from services.platform import metrics
from services.platform.settings import Settings
from services.register.case_register import Register
from services.register.outbox import outbox_key

log = structlog.get_logger(__name__)


async def send_mail_once(
    register: Register,
    settings: Settings,
    message: EmailMessage,
    *,
    request_id: str,
    purpose: str,
    about: tuple[str, ...] = (),
    done_action: str,
    detail: Mapping[str, Any] | None = None,
    actor: str = "writ",
) -> bool:
    """Send ``message`` unless this step is already done; True when it was sent now."""
    # Steps marked done before the outbox existed have only their audit event.
    if await register.audit.has_event(request_id, done_action):
        return False
    key = outbox_key(purpose, request_id, *about)
    message_id = str(message["Message-ID"])
    entry = await register.outbox.claim(
        key, request_id=request_id, channel="mail", purpose=purpose, message_id=message_id
    )
    if entry.sent_at is not None:
        return False
    if entry.attempts > 1:
        # The earlier attempt's outcome was never recorded: it may have gone out. (No
        # Message-ID here: a customer notice's names the account.)
        log.warning(
            "resending a mail whose earlier send was not confirmed",
            request_id=request_id,
            purpose=purpose,
            attempt=entry.attempts,
        )
    await asyncio.to_thread(send, settings, message)
    metrics.mail_sent(purpose, resend=entry.attempts > 1)
    await register.outbox.mark_sent(
        key,
        request_id=request_id,
        actor=actor,
        action=done_action,
        detail=detail,
    )
    return True
