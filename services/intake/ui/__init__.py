"""The server-rendered review UI under ``/ui/`` for regulatory operations (DESIGN §4)."""
