"""What the fake model server says: a script of turns, one turn per HTTP request, each a list of actions.

JSON form (for ``python -m tests.fakes.model_server --script FILE``)::

    {"turns": [
        [{"tool_use": {"name": "search_knowledge", "input": {"query": "refunds"}}}],
        [{"text": "Refunds take 14 days [1]."}, {"delay": 0.05}, {"text": " Ask support [3]."}]
     ],
     "default_turn": [{"text": "I could not find this in the knowledge base."}]}

Actions: ``text``; ``tool_use`` (``name``, ``input`` or ``raw_arguments`` for deliberately broken
JSON, optional ``id``); ``delay`` (seconds); ``drop`` (cut the connection mid-stream);
``truncate`` (end the body cleanly, but without the protocol's closing events);
``http_error`` (status, optional ``message``; must be the turn's only action); ``stream_error``
(an Anthropic ``event: error`` of that type, e.g. ``overloaded_error``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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


Action = Text | ToolUse | Delay | Drop | Truncate | HttpError | StreamError
Turn = list[Action]


@dataclass
class ModelScript:
    turns: list[Turn] = field(default_factory=list)
    # Served once the turns run out (a long-running server for UI tests); None -> HTTP 500.
    default_turn: Turn | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelScript:
        turns = [[parse_action(a) for a in turn] for turn in data.get("turns", [])]
        default = data.get("default_turn")
        return cls(turns, [parse_action(a) for a in default] if default is not None else None)

    @classmethod
    def load(cls, path: Path) -> ModelScript:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def parse_action(data: dict[str, Any]) -> Action:
    if "text" in data:
        return Text(str(data["text"]))
    if "tool_use" in data:
        spec = data["tool_use"]
        return ToolUse(spec["name"], spec.get("input"), spec.get("raw_arguments"), spec.get("id"))
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
