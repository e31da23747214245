"""`MeteredLLM`: any `LLM`, with each call's latency, tokens and failures recorded in `Metrics`.

One call is one `stream()`: from the request to its `StopDelta` (or its error). A call the agent
abandons part-way (the client went away) is counted as neither a success nor an error.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Sequence

from pam.answer.llm import LLM, LLMCallError
from pam.answer.llm_messages import ChatMessage, LLMDelta, StopDelta, ToolChoice, ToolSpec
from pam.metrics import Metrics


class MeteredLLM:
    def __init__(self, llm: LLM, metrics: Metrics) -> None:
        self._llm = llm
        self._metrics = metrics

    @property
    def name(self) -> str:
        return self._llm.name

    @property
    def model(self) -> str:
        return self._llm.model

    async def stream(
        self,
        *,
        system: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        tool_choice: ToolChoice,
        max_tokens: int,
    ) -> AsyncGenerator[LLMDelta, None]:
        labels = {"provider": self.name, "model": self.model}
        started = time.perf_counter()
        try:
            async for delta in self._llm.stream(
                system=system, messages=messages, tools=tools, tool_choice=tool_choice, max_tokens=max_tokens
            ):
                if isinstance(delta, StopDelta):
                    self._metrics.llm_latency.labels(**labels).observe(time.perf_counter() - started)
                    tokens = self._metrics.llm_tokens
                    tokens.labels(**labels, direction="input").inc(delta.usage.input_tokens)
                    tokens.labels(**labels, direction="output").inc(delta.usage.output_tokens)
                yield delta
        except LLMCallError as exc:
            self._metrics.llm_errors.labels(**labels, code=exc.code).inc()
            self._metrics.llm_latency.labels(**labels).observe(time.perf_counter() - started)
            raise

    async def aclose(self) -> None:
        await self._llm.aclose()
