"""The server-rendered review UI under ``/ui/`` for regulatory operations
(docs/architecture.md §4)."""
