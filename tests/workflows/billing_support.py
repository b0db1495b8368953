"""Doubles of the billing activities for workflow tests (declared by name, as the SDK
advises): ``prepare_charge`` answers what the test set, ``post_charge`` records when it ran."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from temporalio import activity

from contracts.billing import (
    BillingInput,
    ChargeHold,
    PostingReceipt,
    PostingRequest,
    PreparedCharge,
)


@dataclass
class BillingRecorder:
    hold: ChargeHold = field(default_factory=ChargeHold)
    zero_charge_reason: str = ""
    started: list[str] = field(default_factory=list)  # requests whose billing was started
    prepared: list[str] = field(default_factory=list)
    posted: list[tuple[dt.datetime, PostingRequest]] = field(default_factory=list)
    fail_posting_times: int = 0  # attempts of post_charge that fail before one succeeds
    attempts: int = 0

    def activities(self) -> list[Callable]:
        recorder = self

        @activity.defn(name="start_billing")
        async def start_billing(arg: BillingInput) -> None:
            recorder.started.append(arg.request_id)

        @activity.defn(name="prepare_charge")
        async def prepare_charge(arg: BillingInput) -> PreparedCharge:
            recorder.prepared.append(arg.request_id)
            return PreparedCharge(
                request_id=arg.request_id,
                hold=recorder.hold,
                customers=0 if recorder.zero_charge_reason else 1,
                zero_charge_reason=recorder.zero_charge_reason,
            )

        @activity.defn(name="post_charge")
        async def post_charge(request: PostingRequest) -> PostingReceipt:
            recorder.attempts += 1
            if recorder.attempts <= recorder.fail_posting_times:
                raise RuntimeError("the ledger is unreachable (simulated)")
            recorder.posted.append((activity.info().current_attempt_scheduled_time, request))
            return PostingReceipt(
                request_id=request.request_id, invoice_ids=[f"inv_{request.request_id}"]
            )

        return [start_billing, prepare_charge, post_charge]
