"""Fixtures shared by the API tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.model_server import FakeModelServer


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeModelServer]:
    """A fake OpenAI/Anthropic server on loopback, one per test module; each test scripts it."""
    with FakeModelServer() as server:
        yield server
