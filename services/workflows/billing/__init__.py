"""``BillingWorkflow``: one per request, started by ``LegalProcessWorkflow`` (docs/billing.md)."""
