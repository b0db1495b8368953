"""One ``LegalProcessWorkflow`` per request, id = the request id."""

TASK_QUEUE = "writ-legal-process"
