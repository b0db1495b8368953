"""How urgent a request is, as the queue and the request page show it: the time left to
its response deadline, and the colour band (pure; the caller passes ``now``)."""

from __future__ import annotations

import datetime as dt

import msgspec

from contracts.enums import ProcessType
from contracts.legal_process import LegalProcess
from contracts.workflow import Timing
from services.decisions import deadlines

# Inside this much of the deadline a request is "due soon" even before it is escalated.
DUE_SOON = dt.timedelta(hours=24)
EMERGENCY_DUE_SOON = dt.timedelta(minutes=15)


class Urgency(msgspec.Struct, frozen=True, kw_only=True):
    band: str  # "overdue", "escalated", "due-soon", "on-time" or "none"
    remaining: str  # "2d 03h", "41m 10s", "overdue by 12m", "no deadline"
    respond_by: dt.datetime | None = None


def remaining_text(delta: dt.timedelta) -> str:
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days}d {hours:02d}h"
    elif hours:
        text = f"{hours}h {minutes:02d}m"
    else:
        text = f"{minutes}m {secs:02d}s"
    return text if delta >= dt.timedelta(0) else f"overdue by {text}"


def urgency(
    process: LegalProcess,
    timing: Timing,
    now: dt.datetime,
    *,
    escalated: bool = False,
    overdue: bool = False,
) -> Urgency:
    deadline = deadlines.response_deadline(process, timing)
    respond_by = deadline.respond_by
    if respond_by is None:
        band = "overdue" if overdue else "escalated" if escalated else "none"
        return Urgency(band=band, remaining="no deadline")
    left = respond_by - now
    emergency = process.process_type is ProcessType.EMERGENCY_REQUEST
    soon = EMERGENCY_DUE_SOON if emergency else DUE_SOON
    if overdue or left < dt.timedelta(0):
        band = "overdue"
    elif escalated or (deadline.escalate_at is not None and now >= deadline.escalate_at):
        band = "escalated"
    elif left <= soon:
        band = "due-soon"
    else:
        band = "on-time"
    return Urgency(band=band, remaining=remaining_text(left), respond_by=respond_by)
