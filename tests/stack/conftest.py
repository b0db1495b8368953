"""Fixtures for the ``writ up`` tests."""

from __future__ import annotations

import pytest

from services.stack.launch import distinct_free_ports
from tests.stack.writ_up_process import SharedStack


@pytest.fixture
def stack_ports() -> dict[str, int]:
    """A free port for every ``writ up`` port option."""
    return distinct_free_ports()


@pytest.fixture(scope="session")
def shared_stack(tmp_path_factory: pytest.TempPathFactory):
    """The session's one ``writ up`` (tests/stack/writ_up_process.py ``SharedStack``):
    ``shared_stack.running()`` is the stack, started if it is not running."""
    stack = SharedStack(tmp_path_factory.mktemp("shared-writ-up"), distinct_free_ports())
    try:
        yield stack
    finally:
        stack.close()
