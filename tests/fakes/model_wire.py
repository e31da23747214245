"""The real wire formats the fake model server speaks: Anthropic Messages SSE and OpenAI Chat
Completions chunks. Each encoder turns one scripted turn into frames (bytes to send) and the
``Delay``/``Drop``/``StreamError`` controls, in order."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fakes.model_script import Delay, Drop, StreamError, Text, ToolUse, Truncate, Turn

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
    turn: Turn, model: str, input_tokens: int, seq: int, include_usage: bool
) -> list[Frame | StreamError]:
    frames: list[Frame | StreamError] = [_chunk(seq, model, {"role": "assistant", "content": ""})]
    calls = 0
    output = 0
    for n, action in enumerate(turn):
        if isinstance(action, Text):
            frames.append(_chunk(seq, model, {"content": action.text}))
            output += _tokens(action.text)
        elif isinstance(action, ToolUse):
            head = {
                "index": calls,
                "id": action.id or f"call_fake_{seq}_{n}",
                "type": "function",
                "function": {"name": action.name, "arguments": ""},
            }
            frames.append(_chunk(seq, model, {"tool_calls": [head]}))
            for piece in _split(action.arguments()):
                frames.append(
                    _chunk(seq, model, {"tool_calls": [{"index": calls, "function": {"arguments": piece}}]})
                )
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
    frames.append(_chunk(seq, model, {}, "tool_calls" if calls else "stop"))
    if include_usage:
        usage = {
            "prompt_tokens": input_tokens,
            "completion_tokens": output,
            "total_tokens": input_tokens + output,
        }
        frames.append(_chunk(seq, model, None, usage=usage))
    frames.append(_sse(None, "[DONE]"))
    return frames


def openai_completion(turn: Turn, model: str, input_tokens: int, seq: int) -> dict[str, Any]:
    text = "".join(a.text for a in turn if isinstance(a, Text))
    calls = [
        {
            "id": a.id or f"call_fake_{seq}_{n}",
            "type": "function",
            "function": {"name": a.name, "arguments": a.arguments()},
        }
        for n, a in enumerate(turn)
        if isinstance(a, ToolUse)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    output = _tokens(text)
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
                "finish_reason": "tool_calls" if calls else "stop",
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
