"""``LLM`` over any OpenAI-compatible Chat Completions endpoint (OpenAI, Ollama, vLLM, llama.cpp)
with the official ``openai`` SDK; tool calls stream as fragments and are assembled by index."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx2
import openai
import structlog

from pam.answer.llm import LLMCallError, LLMRateLimited, LLMRequestFailed, LLMUnavailable
from pam.answer.llm_messages import (
    ChatMessage,
    LLMDelta,
    StopDelta,
    TextDelta,
    TextPart,
    TokenCount,
    ToolChoice,
    ToolResultPart,
    ToolSpec,
    ToolUseDelta,
    ToolUsePart,
)

_STOP_REASONS = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
}


@dataclass(slots=True)
class _PendingCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class OpenAILLM:
    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        max_tokens_param: Literal["max_tokens", "max_completion_tokens"] = "max_tokens",
    ) -> None:
        # OpenAI's newest models only take max_completion_tokens; most compatible servers take max_tokens.
        self._max_tokens_param = max_tokens_param
        self._model = model
        self._client = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    @property
    def name(self) -> str:
        return "openai"

    @property
    def model(self) -> str:
        return self._model

    async def aclose(self) -> None:
        await self._client.close()

    async def stream(
        self,
        *,
        system: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        tool_choice: ToolChoice,
        max_tokens: int,
    ) -> AsyncGenerator[LLMDelta, None]:
        params: dict[str, Any] = {
            "model": self._model,
            self._max_tokens_param: max_tokens,
            "messages": [{"role": "system", "content": system}, *_wire_messages(messages)],
            "stream_options": {"include_usage": True},
        }
        if tools:
            params["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.input_schema},
                }
                for t in tools
            ]
            params["tool_choice"] = tool_choice
        try:
            async for delta in self._stream(params):
                yield delta
        except LLMCallError:
            raise
        except openai.RateLimitError as exc:
            _log_failure("rate_limited", exc)
            raise LLMRateLimited() from exc
        except (openai.APIConnectionError, openai.InternalServerError, httpx2.TransportError) as exc:
            _log_failure("unavailable", exc)
            raise LLMUnavailable() from exc
        except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
            _log_failure("refused_or_bad_response", exc)
            raise LLMRequestFailed() from exc

    async def _stream(self, params: dict[str, Any]) -> AsyncGenerator[LLMDelta, None]:
        calls: dict[int, _PendingCall] = {}
        reason: str | None = None
        usage = TokenCount()
        async with await self._client.chat.completions.create(stream=True, **params) as chunks:
            async for chunk in chunks:
                if chunk.usage is not None:
                    usage = TokenCount(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
                for choice in chunk.choices[:1]:
                    delta = choice.delta
                    if delta.content:
                        yield TextDelta(delta.content)
                    for fragment in delta.tool_calls or ():
                        call = calls.setdefault(fragment.index, _PendingCall())
                        if fragment.id:
                            call.id = fragment.id
                        if fragment.function is not None:
                            call.name += fragment.function.name or ""
                            call.arguments.append(fragment.function.arguments or "")
                    if choice.finish_reason is not None:
                        reason = _STOP_REASONS.get(choice.finish_reason, "other")
        if reason is None:
            # No finish_reason: the stream was cut (servers end with finish_reason, then [DONE]).
            _log_failure("truncated", None)
            raise LLMUnavailable()
        for index in sorted(calls):
            yield _tool_use(index, calls[index])
        if calls and reason == "end_turn":
            # Some compatible servers report "stop" even when they called tools.
            reason = "tool_use"
        yield StopDelta(reason, usage)


def _tool_use(index: int, call: _PendingCall) -> ToolUseDelta:
    call_id = call.id or f"call_{index}"
    raw = "".join(call.arguments).strip() or "{}"
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return ToolUseDelta(call_id, call.name, {}, input_error="the tool arguments were not valid JSON")
    if not isinstance(parsed, dict):
        return ToolUseDelta(call_id, call.name, {}, input_error="the tool arguments must be a JSON object")
    return ToolUseDelta(call_id, call.name, parsed)


def _wire_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    wire: list[dict[str, Any]] = []
    for message in messages:
        results = [part for part in message.parts if isinstance(part, ToolResultPart)]
        calls = [part for part in message.parts if isinstance(part, ToolUsePart)]
        text = "".join(part.text for part in message.parts if isinstance(part, TextPart))
        # Tool results are messages of their own ("role": "tool"), right after the assistant's calls.
        for result in results:
            content = f"Error: {result.content}" if result.is_error else result.content
            wire.append({"role": "tool", "tool_call_id": result.tool_use_id, "content": content})
        if message.role == "assistant":
            entry: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                entry["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": json.dumps(call.input)},
                    }
                    for call in calls
                ]
            wire.append(entry)
        elif text:
            wire.append({"role": "user", "content": text})
    return wire


def _log_failure(kind: str, exc: BaseException | None) -> None:
    structlog.get_logger(__name__).warning(
        "answer.llm_failed",
        provider="openai",
        kind=kind,
        error_type=type(exc).__name__ if exc is not None else None,
        status=getattr(exc, "status_code", None),
        detail=str(exc)[:500] if exc is not None else "stream ended without finish_reason",
    )
