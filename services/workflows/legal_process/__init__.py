"""One ``LegalProcessWorkflow`` per request, id = the request id."""
