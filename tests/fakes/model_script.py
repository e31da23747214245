"""What the fake model server says: a script of turns, one turn per HTTP request, each a list of actions.

JSON form (for ``python -m tests.fakes.model_server --script FILE``)::

    {"turns": [
        [{"tool_use": {"name": "search_knowledge", "input": {"query": "refunds"}}}],
        [{"text": "Refunds take 14 days [1]."}, {"delay": 0.05}, {"text": " Ask support [3]."}]
     ],
     "default_turn": [{"text": "I could not find this in the knowledge base."}]}

Actions: ``text`` (``{last_source}`` in it becomes the highest ``[n]`` the request showed);
``tool_use`` (``name``, ``input`` or ``raw_arguments`` for deliberately broken
JSON, optional ``id``); ``reasoning`` (thinking text: an Anthropic thinking block, or the OpenAI
field the ``reasoning_field`` quirk names); ``quote_source`` (answer with the first sentence of the
first numbered passage the request showed, cited by its number: a model that reads its prompt);
``delay`` (seconds); ``drop`` (cut the connection mid-stream); ``truncate`` (end the body cleanly,
but without the protocol's closing events); ``http_error`` (status, optional ``message``; must be
the turn's only action); ``stream_error`` (an Anthropic ``event: error`` of that type).

``"quirks"`` switches on the ways real OpenAI-compatible servers differ from the reference API
(see ``Quirks``), e.g. ``{"quirks": {"no_finish_reason": true}, "turns": [...]}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class ToolUse:
    name: str
    input: dict[str, Any] | None = None
    raw_arguments: str | None = None
    id: str | None = None

    def arguments(self) -> str:
        if self.raw_arguments is not None:
            return self.raw_arguments
        return json.dumps(self.input or {})


@dataclass(frozen=True)
class Delay:
    seconds: float


@dataclass(frozen=True)
class Drop:
    pass


@dataclass(frozen=True)
class HttpError:
    status: int
    message: str = "scripted failure"


@dataclass(frozen=True)
class Truncate:
    """End the HTTP body cleanly but without the protocol's closing events (no message_stop,
    no finish_reason): a proxy or server that gave up half way."""


@dataclass(frozen=True)
class StreamError:
    type: str = "overloaded_error"


@dataclass(frozen=True)
class Reasoning:
    text: str


@dataclass(frozen=True)
class QuoteSource:
    """Answer with the first sentence of the first ``[n]`` passage in the request, cited ``[n]``."""


Action = Text | ToolUse | Reasoning | QuoteSource | Delay | Drop | Truncate | HttpError | StreamError
Turn = list[Action]


@dataclass(frozen=True)
class Quirks:
    """How a real OpenAI-compatible server may differ from the reference API; all off by default."""

    # The closing chunk carries no finish_reason (the stream still ends with [DONE]).
    no_finish_reason: bool = False
    # finish_reason "stop" after tool calls, instead of "tool_calls".
    stop_after_tool_calls: bool = False
    # content "" (or null) in the chunks that carry tool calls, and in a whole message with tool calls.
    empty_content_with_tool_calls: bool = False
    null_content_with_tool_calls: bool = False
    # Chunks a tool call's arguments are split into.
    tool_argument_pieces: int = 3
    # Tool-call chunks without "index"; every call numbered 0 (each with its own id); the id and the
    # whole name repeated in every chunk; arguments as a JSON object instead of a string.
    no_tool_call_index: bool = False
    same_tool_call_index: bool = False
    repeat_tool_call_head: bool = False
    arguments_as_object: bool = False
    # Where ``reasoning`` actions go: "reasoning_content" (vLLM, DeepSeek), "reasoning" (Ollama,
    # OpenRouter) or "thinking".
    reasoning_field: str = "reasoning_content"
    # llama-cpp-python's chatml-function-calling: a streamed request with tools and tool_choice "auto"
    # whose answer is a tool call is refused ("Automatic streaming tool choice is not supported"):
    # "empty_stream" as llama-cpp-python 0.3 does it (a 200 event stream with nothing in it), or
    # "http_500" (the error as a response).
    refuse_streamed_tool_choice: Literal["empty_stream", "http_500"] | None = None
    # A server started without tool support: any request with tools gets HTTP 400.
    refuse_tools: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Quirks:
        return cls(**data)


@dataclass
class ModelScript:
    turns: list[Turn] = field(default_factory=list)
    # Served once the turns run out (a long-running server for UI tests); None -> HTTP 500.
    default_turn: Turn | None = None
    quirks: Quirks = field(default_factory=Quirks)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelScript:
        turns = [[parse_action(a) for a in turn] for turn in data.get("turns", [])]
        default = data.get("default_turn")
        return cls(
            turns,
            [parse_action(a) for a in default] if default is not None else None,
            Quirks.from_json(data.get("quirks") or {}),
        )

    @classmethod
    def load(cls, path: Path) -> ModelScript:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def parse_action(data: dict[str, Any]) -> Action:
    if "text" in data:
        return Text(str(data["text"]))
    if "tool_use" in data:
        spec = data["tool_use"]
        return ToolUse(spec["name"], spec.get("input"), spec.get("raw_arguments"), spec.get("id"))
    if "reasoning" in data:
        return Reasoning(str(data["reasoning"]))
    if data.get("quote_source"):
        return QuoteSource()
    if "delay" in data:
        return Delay(float(data["delay"]))
    if data.get("drop"):
        return Drop()
    if data.get("truncate"):
        return Truncate()
    if "http_error" in data:
        return HttpError(int(data["http_error"]), str(data.get("message", "scripted failure")))
    if "stream_error" in data:
        return StreamError(str(data["stream_error"]))
    raise ValueError(f"unknown script action: {data!r}")
