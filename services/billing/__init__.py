"""Cost recovery (docs/billing.md): the rate card, the pure invoice maths and the split
rule beside their adapters (ledger posting, invoice PDF, billing-event export)."""
