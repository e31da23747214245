"""The real wire formats the fake model server speaks: Anthropic Messages SSE and OpenAI Chat
Completions chunks. Each encoder turns one scripted turn into frames (bytes to send) and the
``Delay``/``Drop``/``StreamError`` controls, in order. The OpenAI encoders follow the ``Quirks``
switched on, to speak like the compatible servers that differ from the reference API."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fakes.model_script import (
    Delay,
    Drop,
    Quirks,
    Reasoning,
    StreamError,
    Text,
    ToolUse,
    Truncate,
    Turn,
)

Frame = bytes | Delay | Drop


def _split(text: str, parts: int = 3) -> list[str]:
    """Tool JSON arrives in pieces on the real APIs too: send it in a few fragments."""
    size = max(1, -(-len(text) // parts))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _sse(event: str | None, data: dict[str, Any] | str) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


# ---------------------------------------------------------------- Anthropic


def anthropic_stream(turn: Turn, model: str, input_tokens: int, seq: int) -> list[Frame | StreamError]:
    frames: list[Frame | StreamError] = []
    message: dict[str, Any] = {
        "id": f"msg_fake_{seq}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1},
    }
    frames.append(_sse("message_start", {"type": "message_start", "message": message}))
    frames.append(_sse("ping", {"type": "ping"}))
    index = -1
    open_text = False
    output = 0
    used_tool = False
    for n, action in enumerate(turn):
        if isinstance(action, Text):
            if not open_text:
                index += 1
                block: dict[str, Any] = {"type": "text", "text": ""}
                frames.append(
                    _sse(
                        "content_block_start",
                        {"type": "content_block_start", "index": index, "content_block": block},
                    )
                )
                open_text = True
            delta = {"type": "text_delta", "text": action.text}
            frames.append(
                _sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
            )
            output += _tokens(action.text)
        elif isinstance(action, Reasoning):
            if open_text:
                frames.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
                open_text = False
            index += 1
            frames.extend(_anthropic_thinking(index, action.text))
        elif isinstance(action, ToolUse):
            if open_text:
                frames.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
                open_text = False
            index += 1
            used_tool = True
            block = {
                "type": "tool_use",
                "id": action.id or f"toolu_fake_{seq}_{n}",
                "name": action.name,
                "input": {},
            }
            frames.append(
                _sse(
                    "content_block_start",
                    {"type": "content_block_start", "index": index, "content_block": block},
                )
            )
            for piece in _split(action.arguments()):
                delta = {"type": "input_json_delta", "partial_json": piece}
                frames.append(
                    _sse(
                        "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
                    )
                )
            frames.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
            output += _tokens(action.arguments())
        elif isinstance(action, Truncate):
            return frames
        elif isinstance(action, StreamError):
            body = {"type": "error", "error": {"type": action.type, "message": "scripted stream error"}}
            frames.append(_sse("error", body))
            return frames
        elif isinstance(action, (Delay, Drop)):
            frames.append(action)
            if isinstance(action, Drop):
                return frames
    if open_text:
        frames.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    stop = "tool_use" if used_tool else "end_turn"
    frames.append(
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": output},
            },
        )
    )
    frames.append(_sse("message_stop", {"type": "message_stop"}))
    return frames


def _anthropic_thinking(index: int, text: str) -> list[Frame | StreamError]:
    block = {"type": "thinking", "thinking": "", "signature": ""}
    thinking = {"type": "thinking_delta", "thinking": text}
    signature = {"type": "signature_delta", "signature": "fake-signature"}
    return [
        _sse("content_block_start", {"type": "content_block_start", "index": index, "content_block": block}),
        _sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": thinking}),
        _sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": signature}),
        _sse("content_block_stop", {"type": "content_block_stop", "index": index}),
    ]


def anthropic_message(turn: Turn, model: str, input_tokens: int, seq: int) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for n, action in enumerate(turn):
        if isinstance(action, Text):
            if content and content[-1]["type"] == "text":
                content[-1]["text"] += action.text
            else:
                content.append({"type": "text", "text": action.text})
        elif isinstance(action, ToolUse):
            tool_input = action.input if action.raw_arguments is None else {"_raw": action.raw_arguments}
            content.append(
                {
                    "type": "tool_use",
                    "id": action.id or f"toolu_fake_{seq}_{n}",
                    "name": action.name,
                    "input": tool_input,
                }
            )
    used_tool = any(block["type"] == "tool_use" for block in content)
    text = "".join(block.get("text", "") for block in content)
    return {
        "id": f"msg_fake_{seq}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if used_tool else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": _tokens(text)},
    }


def anthropic_error(status: int, message: str) -> dict[str, Any]:
    kind = {
        400: "invalid_request_error",
        401: "authentication_error",
        429: "rate_limit_error",
        529: "overloaded_error",
    }
    return {"type": "error", "error": {"type": kind.get(status, "api_error"), "message": message}}


# ---------------------------------------------------------------- OpenAI


def _chunk(
    seq: int, model: str, delta: dict[str, Any] | None, finish: str | None = None, usage: Any = None
) -> bytes:
    choices = (
        [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
    )
    body: dict[str, Any] = {
        "id": f"chatcmpl-fake-{seq}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
    }
    if usage is not None:
        body["usage"] = usage
    return _sse(None, body)


def openai_stream(
    turn: Turn, model: str, input_tokens: int, seq: int, include_usage: bool, quirks: Quirks | None = None
) -> list[Frame | StreamError]:
    quirks = quirks or Quirks()
    frames: list[Frame | StreamError] = [_chunk(seq, model, {"role": "assistant", "content": ""})]
    calls = 0
    output = 0
    for n, action in enumerate(turn):
        if isinstance(action, Text):
            frames.append(_chunk(seq, model, {"content": action.text}))
            output += _tokens(action.text)
        elif isinstance(action, Reasoning):
            frames.append(_chunk(seq, model, {"content": None, quirks.reasoning_field: action.text}))
        elif isinstance(action, ToolUse):
            frames.extend(_openai_tool_call(seq, model, calls, n, action, quirks))
            calls += 1
            output += _tokens(action.arguments())
        elif isinstance(action, (Delay, Drop)):
            frames.append(action)
            if isinstance(action, Drop):
                return frames
        elif isinstance(action, Truncate):
            return frames
        elif isinstance(action, StreamError):
            frames.append(_sse(None, {"error": {"message": "scripted stream error", "type": action.type}}))
            return frames
    finish: str | None = "tool_calls" if calls and not quirks.stop_after_tool_calls else "stop"
    frames.append(_chunk(seq, model, {}, None if quirks.no_finish_reason else finish))
    if include_usage:
        usage = {
            "prompt_tokens": input_tokens,
            "completion_tokens": output,
            "total_tokens": input_tokens + output,
        }
        frames.append(_chunk(seq, model, None, usage=usage))
    frames.append(_sse(None, "[DONE]"))
    return frames


def _openai_tool_call(
    seq: int, model: str, number: int, n: int, action: ToolUse, quirks: Quirks
) -> list[Frame]:
    """One tool call as chunks: a head with id and name, then the arguments in pieces."""
    call_id = action.id or f"call_fake_{seq}_{n}"
    index = 0 if quirks.same_tool_call_index else number
    head: dict[str, Any] = {
        "id": call_id,
        "type": "function",
        "function": {"name": action.name, "arguments": ""},
    }
    if not quirks.no_tool_call_index:
        head["index"] = index
    content = _tool_call_content(quirks)
    frames: list[Frame] = [_chunk(seq, model, {**content, "tool_calls": [head]})]
    for piece in _split(action.arguments(), quirks.tool_argument_pieces):
        fragment: dict[str, Any] = {"function": {"arguments": piece}}
        if quirks.repeat_tool_call_head:
            fragment = {
                "id": call_id,
                "type": "function",
                "function": {"name": action.name, "arguments": piece},
            }
        if not quirks.no_tool_call_index:
            fragment["index"] = index
        frames.append(_chunk(seq, model, {**content, "tool_calls": [fragment]}))
    return frames


def _tool_call_content(quirks: Quirks) -> dict[str, Any]:
    if quirks.null_content_with_tool_calls:
        return {"content": None}
    if quirks.empty_content_with_tool_calls:
        return {"content": ""}
    return {}


def openai_completion(
    turn: Turn, model: str, input_tokens: int, seq: int, quirks: Quirks | None = None
) -> dict[str, Any]:
    quirks = quirks or Quirks()
    text = "".join(a.text for a in turn if isinstance(a, Text))
    reasoning = "".join(a.text for a in turn if isinstance(a, Reasoning))
    calls = [
        {
            "id": a.id or f"call_fake_{seq}_{n}",
            "type": "function",
            "function": {
                "name": a.name,
                "arguments": (a.input or {}) if quirks.arguments_as_object else a.arguments(),
            },
        }
        for n, a in enumerate(turn)
        if isinstance(a, ToolUse)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
        if quirks.empty_content_with_tool_calls and not text:
            message["content"] = ""
    if reasoning:
        message[quirks.reasoning_field] = reasoning
    output = _tokens(text)
    finish = "tool_calls" if calls and not quirks.stop_after_tool_calls else "stop"
    return {
        "id": f"chatcmpl-fake-{seq}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": None if quirks.no_finish_reason else finish,
            }
        ],
        "usage": {
            "prompt_tokens": input_tokens,
            "completion_tokens": output,
            "total_tokens": input_tokens + output,
        },
    }


def openai_error(status: int, message: str) -> dict[str, Any]:
    kind = {400: "invalid_request_error", 401: "invalid_api_key", 429: "rate_limit_exceeded"}
    return {
        "error": {
            "message": message,
            "type": kind.get(status, "server_error"),
            "param": None,
            "code": kind.get(status),
        }
    }
