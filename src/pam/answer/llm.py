"""The ``LLM`` protocol: one streaming call with tools, and the errors every provider maps to.

A provider turns every SDK, HTTP and network failure into one of the ``LLMCallError`` subclasses
below, logging the real cause; their messages are safe to show to end users.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Protocol

from pam.answer.llm_messages import ChatMessage, LLMDelta, ToolChoice, ToolSpec
from pam.errors import PamError


class LLM(Protocol):
    @property
    def name(self) -> str:
        """Provider name as reported in ``Done.provider`` ("anthropic", "openai")."""
        ...

    @property
    def model(self) -> str: ...

    def stream(
        self,
        *,
        system: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        tool_choice: ToolChoice,
        max_tokens: int,
    ) -> AsyncGenerator[LLMDelta, None]:
        """Text deltas as they arrive, each tool call once complete, then exactly one ``StopDelta``.

        Raises ``LLMCallError`` (never an SDK exception), including when the stream ends early.
        """
        ...

    async def aclose(self) -> None: ...


class LLMCallError(PamError):
    code = "llm_error"
    status = 502


class LLMUnavailable(LLMCallError):
    """Network failure, timeout, 5xx/overloaded, or a stream cut before its end."""

    code = "llm_unavailable"
    status = 503

    def __init__(self, message: str = "The language model service is unavailable. Please try again.") -> None:
        super().__init__(message)


class LLMRateLimited(LLMCallError):
    code = "llm_rate_limited"
    status = 429

    def __init__(
        self, message: str = "The language model service is busy (rate limited). Please try again shortly."
    ) -> None:
        super().__init__(message)


class LLMRequestFailed(LLMCallError):
    """The provider refused the request (auth, bad request) or answered with something unreadable."""

    code = "llm_error"
    status = 502

    def __init__(self, message: str = "The language model service returned an error.") -> None:
        super().__init__(message)
