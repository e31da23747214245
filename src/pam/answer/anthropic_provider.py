"""``LLM`` over Anthropic's Messages API (streaming, tool use) with the official ``anthropic`` SDK."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import anthropic
import httpx2
import structlog

from pam.answer.llm import LLMCallError, LLMRateLimited, LLMRequestFailed, LLMUnavailable
from pam.answer.llm_messages import (
    ChatMessage,
    JsonObject,
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

_STOP_REASONS = {"end_turn": "end_turn", "tool_use": "tool_use", "max_tokens": "max_tokens"}


class AnthropicLLM:
    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> None:
        self._model = model
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    @property
    def name(self) -> str:
        return "anthropic"

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
            "max_tokens": max_tokens,
            "system": system,
            "messages": [_wire_message(message) for message in messages],
        }
        if tools:
            params["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in tools
            ]
            params["tool_choice"] = {"type": tool_choice}
        try:
            async for delta in self._stream(params):
                yield delta
        except LLMCallError:
            raise
        except anthropic.RateLimitError as exc:
            _log_failure("rate_limited", exc)
            raise LLMRateLimited() from exc
        except (anthropic.APIConnectionError, anthropic.InternalServerError, httpx2.TransportError) as exc:
            _log_failure("unavailable", exc)
            raise LLMUnavailable() from exc
        except anthropic.APIStatusError as exc:
            # A stream "error" event (e.g. overloaded_error) also arrives as a status error.
            if _is_overloaded(exc):
                _log_failure("overloaded", exc)
                raise LLMUnavailable() from exc
            _log_failure("refused", exc)
            raise LLMRequestFailed() from exc
        except (anthropic.AnthropicError, httpx2.HTTPError, ValueError) as exc:
            _log_failure("bad_response", exc)
            raise LLMRequestFailed() from exc

    async def _stream(self, params: dict[str, Any]) -> AsyncGenerator[LLMDelta, None]:
        tool_blocks: dict[int, tuple[str, str, list[str]]] = {}
        usage_in = usage_out = 0
        reason = "other"
        async with await self._client.messages.create(stream=True, **params) as events:
            async for event in events:
                if event.type == "message_start":
                    usage_in = event.message.usage.input_tokens or 0
                    usage_out = event.message.usage.output_tokens or 0
                elif event.type == "content_block_start":
                    block = event.content_block
                    if block.type == "tool_use":
                        tool_blocks[event.index] = (block.id, block.name, [])
                elif event.type == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta":
                        if delta.text:
                            yield TextDelta(delta.text)
                    elif delta.type == "input_json_delta" and event.index in tool_blocks:
                        tool_blocks[event.index][2].append(delta.partial_json)
                elif event.type == "content_block_stop":
                    if event.index in tool_blocks:
                        yield _tool_use(*tool_blocks.pop(event.index))
                elif event.type == "message_delta":
                    reason = _STOP_REASONS.get(event.delta.stop_reason or "", "other")
                    usage_out = event.usage.output_tokens or usage_out
                elif event.type == "message_stop":
                    yield StopDelta(reason, TokenCount(usage_in, usage_out))
                    return
        _log_failure("truncated", None)
        raise LLMUnavailable()


def _tool_use(tool_id: str, name: str, chunks: list[str]) -> ToolUseDelta:
    raw = "".join(chunks).strip() or "{}"
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return ToolUseDelta(tool_id, name, {}, input_error="the tool input was not valid JSON")
    if not isinstance(parsed, dict):
        return ToolUseDelta(tool_id, name, {}, input_error="the tool input must be a JSON object")
    return ToolUseDelta(tool_id, name, parsed)


def _wire_message(message: ChatMessage) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            if part.text:
                content.append({"type": "text", "text": part.text})
        elif isinstance(part, ToolUsePart):
            tool_input: JsonObject = part.input
            content.append({"type": "tool_use", "id": part.id, "name": part.name, "input": tool_input})
        elif isinstance(part, ToolResultPart):
            content.append(
                {
                    "type": "tool_result",
                    "tool_use_id": part.tool_use_id,
                    "content": part.content,
                    "is_error": part.is_error,
                }
            )
    if not content:
        # The API refuses empty content; an empty assistant turn still has to keep its place.
        content.append({"type": "text", "text": "(no text)"})
    return {"role": message.role, "content": content}


def _is_overloaded(exc: anthropic.APIStatusError) -> bool:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("type") in ("overloaded_error", "api_error"):
            return True
    return exc.status_code >= 500


def _log_failure(kind: str, exc: BaseException | None) -> None:
    structlog.get_logger(__name__).warning(
        "answer.llm_failed",
        provider="anthropic",
        kind=kind,
        error_type=type(exc).__name__ if exc is not None else None,
        status=getattr(exc, "status_code", None),
        detail=str(exc)[:500] if exc is not None else "stream ended before message_stop",
    )
