"""The transparency report (docs/architecture.md §10, docs/transparency.md): pure aggregation
of per-request report facts, national-security bands, and the JSON, CSV and HTML renderers.
Nothing here does I/O except ``publishing`` (S3) — the register queries live in
``services/register/transparency.py``."""
