"""Fixtures for the ``writ up`` tests."""

from __future__ import annotations

import pytest

from services.stack.launch import distinct_free_ports


@pytest.fixture
def stack_ports() -> dict[str, int]:
    """A free port for every ``writ up`` port option."""
    return distinct_free_ports()
