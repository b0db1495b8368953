"""Delivering a person's action (a decision, an answer, a withdrawal...) to the request's
workflow as a Temporal update, for the API and the review UI alike."""

from __future__ import annotations

from typing import Any

from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from contracts.api import DecisionOut
from services.intake.auth.tokens import Principal
from services.intake.legal_processes.access import CaseAccess
from services.intake.problems import Problem
from services.workflows.legal_process.workflows import LegalProcessWorkflow

# The workflow is gone (finished, or the execution no longer exists): nothing can change
# the request now. Temporal answers an update to a completed workflow with NOT_FOUND.
_FINISHED = {RPCStatusCode.NOT_FOUND}


class WorkflowUpdates:
    def __init__(self, access: CaseAccess, temporal: Client) -> None:
        self.access = access
        self.temporal = temporal

    async def send(
        self, principal: Principal, request_id: str, update: Any, arg: Any
    ) -> DecisionOut:
        """Deliver ``update(arg)`` to a request this principal may act on. The workflow's
        validator refusing it is a 409 naming why, and nothing changes; a finished request
        is a 409; Temporal not answering is a 503."""
        await self.access.own_request(principal, request_id)
        handle = self.temporal.get_workflow_handle_for(LegalProcessWorkflow.run, request_id)
        try:
            receipt = await handle.execute_update(update, arg)
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            message = getattr(cause, "message", None) or str(cause or exc)
            raise Problem(
                409, "not-allowed-now", "Not allowed in the request's current state", message
            ) from exc
        except RPCError as exc:
            if exc.status in _FINISHED:
                raise Problem(
                    409,
                    "not-allowed-now",
                    "Request finished",
                    "the request has finished; nothing can change it now",
                ) from exc
            raise _unavailable() from exc
        except WorkflowUpdateRPCTimeoutOrCancelledError as exc:
            raise _unavailable() from exc
        return DecisionOut(
            status=receipt.status,
            approvals=receipt.approvals,
            approvals_required=receipt.approvals_required,
        )


def _unavailable() -> Problem:
    return Problem(503, "unavailable", "Try again", "the workflow service did not answer")
