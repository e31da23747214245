"""``LLM`` over any OpenAI-compatible Chat Completions endpoint (OpenAI, Ollama, vLLM, llama.cpp)
with the official ``openai`` SDK; tool calls stream as fragments and are assembled (``openai_chunks``).

Servers that cannot do everything still answer. A call that offers tools is tried, in order:

1. streamed, with the tools and ``tool_choice``;
2. refused before anything streamed (HTTP 400/422/500/501), or a stream that ends with nothing in it:
   the same request not streamed, its text and tool calls read whole (the next step, the answer,
   streams again). llama-cpp-python's ``chatml-function-calling`` does the second: when the model
   picks a tool it raises "Automatic streaming tool choice is not supported" after the 200 is sent;
3. refused again: streamed without tools. The model answers from the passages it already has, and
   this client offers no tools to that server from then on.

A refusal of a streamed tool request is not retried by the SDK (it would only be refused again); every
other failure keeps the SDK's retries.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Sequence
from typing import Any, Literal

import httpx2
import openai
import structlog

from pam.answer.llm import LLMCallError, LLMRateLimited, LLMRequestFailed, LLMUnavailable
from pam.answer.llm_messages import (
    ChatMessage,
    LLMDelta,
    TextPart,
    ToolChoice,
    ToolResultPart,
    ToolSpec,
    ToolUsePart,
)
from pam.answer.openai_chunks import StreamAssembly, completion_deltas

# Statuses that mean "this server will not do that request", as opposed to "not now".
REFUSALS = frozenset({400, 422, 500, 501})


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
        self._tools_refused = False
        http = openai.DefaultAsyncHttpxClient(event_hooks={"response": [_no_retry_for_refused_tool_streams]})
        self._client = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries, http_client=http
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
        }
        if tools and not self._tools_refused:
            params["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.input_schema},
                }
                for t in tools
            ]
            params["tool_choice"] = tool_choice
        try:
            async for delta in self._attempts(params):
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

    async def _attempts(self, params: dict[str, Any]) -> AsyncGenerator[LLMDelta, None]:
        if "tools" not in params:
            async for delta in self._streamed(params):
                yield delta
            return
        started = False
        try:
            async for delta in self._streamed(params):
                started = True
                yield delta
            return
        except openai.APIStatusError as exc:
            if started or exc.status_code not in REFUSALS:
                raise
            _log_fallback("streamed tool calls refused; asking again without streaming", exc)
        except _EmptyStream:
            _log_fallback("streamed tool calls ended empty; asking again without streaming", None)
        try:
            completion = await self._client.chat.completions.create(stream=False, **params)
        except openai.APIStatusError as exc:
            if exc.status_code not in REFUSALS:
                raise
            _log_fallback("tools refused; answering without them", exc)
        else:
            for delta in completion_deltas(completion):
                yield delta
            return
        plain = {k: v for k, v in params.items() if k not in ("tools", "tool_choice")}
        async for delta in self._streamed(plain):
            yield delta
        self._tools_refused = True

    async def _streamed(self, params: dict[str, Any]) -> AsyncGenerator[LLMDelta, None]:
        assembly = StreamAssembly()
        saw_text = False
        stream = await self._client.chat.completions.create(
            stream=True, stream_options={"include_usage": True}, **params
        )
        async with stream as chunks:
            async for chunk in chunks:
                for text in assembly.read(chunk):
                    saw_text = True
                    yield text
        if assembly.reason is None:
            structlog.get_logger(__name__).info(
                "answer.llm_quirk", provider="openai", kind="no_finish_reason"
            )
        ending = assembly.finish(saw_text=saw_text)
        if ending is None:
            # Nothing at all and no finish_reason: the stream was cut before the answer began.
            _log_failure("truncated", None)
            raise _EmptyStream()
        for final in ending:
            yield final


class _EmptyStream(LLMUnavailable):
    """A stream that ended before anything was in it (no text, no tool call, no finish_reason)."""


async def _no_retry_for_refused_tool_streams(response: httpx2.Response) -> None:
    """Tell the SDK not to retry a 5xx refusal of a streamed tool request: llama.cpp refuses those
    for good ("Automatic streaming tool choice is not supported"); the fallback asks differently."""
    if response.status_code not in REFUSALS or response.request.method != "POST":
        return
    try:
        body = json.loads(response.request.content or b"{}")
    except (ValueError, httpx2.RequestNotRead):
        return
    if isinstance(body, dict) and body.get("stream") and body.get("tools"):
        response.headers["x-should-retry"] = "false"


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
            # "" rather than null: some servers' chat templates fail on a null content.
            entry: dict[str, Any] = {"role": "assistant", "content": text}
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


def _log_fallback(what: str, exc: openai.APIStatusError | None) -> None:
    structlog.get_logger(__name__).info(
        "answer.llm_fallback",
        provider="openai",
        what=what,
        status=exc.status_code if exc is not None else None,
        detail=str(exc)[:300] if exc is not None else None,
    )


def _log_failure(kind: str, exc: BaseException | None) -> None:
    structlog.get_logger(__name__).warning(
        "answer.llm_failed",
        provider="openai",
        kind=kind,
        error_type=type(exc).__name__ if exc is not None else None,
        status=getattr(exc, "status_code", None),
        detail=str(exc)[:500] if exc is not None else "stream ended before anything was sent",
    )
