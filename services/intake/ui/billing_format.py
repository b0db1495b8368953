"""Amounts as people read them on the billing pages."""

from services.billing.invoice_pdf import money

__all__ = ["money"]
