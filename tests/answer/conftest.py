"""Fixtures for the answering tests: a fake model server on loopback, and each LLM provider on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from pam.answer.llm import LLM
from tests.answer.helpers import make_llm
from tests.fakes.model_server import FakeModelServer


@pytest.fixture
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture(params=["anthropic", "openai"])
def provider(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def llm(provider: str, model_server: FakeModelServer) -> AsyncIterator[LLM]:
    client = make_llm(provider, model_server)
    try:
        yield client
    finally:
        await client.aclose()
