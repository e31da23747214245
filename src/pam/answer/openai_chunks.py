"""Reading what OpenAI-compatible servers send back, quirks included.

The official API is the reference; real servers (Ollama, vLLM, llama.cpp, LM Studio, proxies) differ:

- a stream that ends cleanly without any ``finish_reason`` (its text or tool calls are kept);
- ``content`` empty or null next to tool calls, and ``finish_reason: "stop"`` after tool calls;
- tool-call arguments split across many chunks, chunks with no ``index`` (continuing the last call),
  every call numbered 0 but with its own id, the whole name repeated in every chunk, and arguments
  sent as a JSON object instead of a string;
- reasoning in ``reasoning_content``/``reasoning``/``thinking`` fields: never part of the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pam.answer.llm_messages import LLMDelta, StopDelta, TextDelta, TokenCount, ToolUseDelta

STOP_REASONS = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
}


@dataclass(slots=True)
class PendingCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def add_name(self, name: str) -> None:
        # Most servers send the name once; some repeat it whole in every chunk, a few send pieces.
        if name and name != self.name:
            self.name += name


@dataclass(slots=True)
class StreamAssembly:
    """Folds a stream of chunks into text deltas as they come, then tool calls and one stop."""

    calls: list[PendingCall] = field(default_factory=list)
    reason: str | None = None
    usage: TokenCount = field(default_factory=TokenCount)
    # Server index -> position in ``calls`` of the call it currently continues.
    _by_index: dict[int, int] = field(default_factory=dict)

    def read(self, chunk: Any) -> list[TextDelta]:
        out: list[TextDelta] = []
        if chunk.usage is not None:
            self.usage = TokenCount(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
        for choice in (chunk.choices or ())[:1]:
            delta = choice.delta
            if delta is not None:
                content = getattr(delta, "content", None)
                if isinstance(content, str) and content:
                    out.append(TextDelta(content))
                for fragment in getattr(delta, "tool_calls", None) or ():
                    self._fragment(fragment)
            if choice.finish_reason is not None:
                self.reason = STOP_REASONS.get(choice.finish_reason, "other")
        return out

    def _fragment(self, fragment: Any) -> None:
        index = getattr(fragment, "index", None)
        call_id = getattr(fragment, "id", None) or ""
        position = self._position(index, call_id)
        call = self.calls[position]
        if call_id and not call.id:
            call.id = call_id
        function = getattr(fragment, "function", None)
        if function is not None:
            call.add_name(getattr(function, "name", None) or "")
            call.arguments.append(arguments_text(getattr(function, "arguments", None)))

    def _position(self, index: int | None, call_id: str) -> int:
        if index is None:
            # No index: a new id starts a call, anything else continues the last one.
            if not self.calls or (call_id and self.calls[-1].id and call_id != self.calls[-1].id):
                self.calls.append(PendingCall())
            return len(self.calls) - 1
        position = self._by_index.get(index)
        if position is not None:
            current = self.calls[position]
            # Every call numbered 0 (seen with Ollama): a new id is a new call.
            if not (call_id and current.id and call_id != current.id):
                return position
        self.calls.append(PendingCall())
        self._by_index[index] = len(self.calls) - 1
        return len(self.calls) - 1

    def finish(self, *, saw_text: bool) -> list[LLMDelta] | None:
        """The tool calls and the stop, or None when the stream carried nothing and never finished
        (a server that died before answering)."""
        reason = self.reason
        if reason is None:
            if not (saw_text or self.calls):
                return None
            reason = "end_turn"
        out: list[LLMDelta] = [tool_use(n, call) for n, call in enumerate(self.calls)]
        if self.calls and reason == "end_turn":
            # Some compatible servers report "stop" even when they called tools.
            reason = "tool_use"
        out.append(StopDelta(reason, self.usage))
        return out


def completion_deltas(completion: Any) -> list[LLMDelta]:
    """A whole (non-streamed) completion as the deltas a stream would have given."""
    usage = TokenCount()
    if completion.usage is not None:
        usage = TokenCount(completion.usage.prompt_tokens or 0, completion.usage.completion_tokens or 0)
    out: list[LLMDelta] = []
    choices = completion.choices or ()
    if not choices:
        return [StopDelta("other", usage)]
    choice = choices[0]
    message = choice.message
    content = getattr(message, "content", None)
    if isinstance(content, str) and content:
        out.append(TextDelta(content))
    calls = [
        PendingCall(
            getattr(call, "id", None) or "",
            getattr(call.function, "name", None) or "",
            [arguments_text(getattr(call.function, "arguments", None))],
        )
        for call in getattr(message, "tool_calls", None) or ()
        if getattr(call, "function", None) is not None
    ]
    out.extend(tool_use(n, call) for n, call in enumerate(calls))
    reason = STOP_REASONS.get(choice.finish_reason or "stop", "other")
    out.append(StopDelta("tool_use" if calls else reason, usage))
    return out


def arguments_text(arguments: object) -> str:
    if arguments is None:
        return ""
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments)


def tool_use(index: int, call: PendingCall) -> ToolUseDelta:
    call_id = call.id or f"call_{index}"
    raw = "".join(call.arguments).strip() or "{}"
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        return ToolUseDelta(call_id, call.name, {}, input_error="the tool arguments were not valid JSON")
    if not isinstance(parsed, dict):
        return ToolUseDelta(call_id, call.name, {}, input_error="the tool arguments must be a JSON object")
    return ToolUseDelta(call_id, call.name, parsed)
