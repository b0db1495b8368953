"""Tests that tamper with the audit chain get registers of their own (as retention's do)."""

from tests.retention.conftest import engine, own_register_url  # noqa: F401 (fixtures)
