"""What ``writ worker`` registers for billing (one call each from ``worker.build_worker``)."""

from __future__ import annotations

from typing import Any

from temporalio.client import Client

from services.billing.rate_card import load_rate_card
from services.platform.objectstore import s3_client
from services.platform.settings import Settings
from services.register.billing import BillingLedger
from services.register.case_register import Register
from services.workflows.billing.activities import BillingActivities
from services.workflows.billing.workflows import BillingWorkflow


def billing_workflows() -> list[type]:
    return [BillingWorkflow]


def billing_activities(settings: Settings, register: Register, client: Client) -> list[Any]:
    """The rate card is loaded (and validated) here, so a bad card stops the worker at start."""
    return BillingActivities(
        settings,
        register,
        BillingLedger(register.engine),
        s3_client(settings),
        load_rate_card(settings.rate_card_file or None),
        client,
    ).all()
