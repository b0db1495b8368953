"""The billing API area: invoices, disputes, credit notes, billing release (docs/billing.md)."""
