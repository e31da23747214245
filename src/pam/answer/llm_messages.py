"""Provider-neutral conversation model spoken between the agent loop and every ``LLM``.

Each provider translates these to and from its own wire format, so the agent loop never sees an
SDK type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Tool inputs are JSON objects chosen by the model; their shape is checked by each tool's pydantic model.
JsonObject = dict[str, object]


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str


@dataclass(frozen=True, slots=True)
class ToolUsePart:
    """A tool call the model made; ``input`` is what it sent (``{}`` when its JSON did not parse)."""

    id: str
    name: str
    input: JsonObject


@dataclass(frozen=True, slots=True)
class ToolResultPart:
    tool_use_id: str
    content: str
    is_error: bool = False


MessagePart = TextPart | ToolUsePart | ToolResultPart


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """``user`` messages hold text and tool results; ``assistant`` messages hold text and tool calls."""

    role: Literal["user", "assistant"]
    parts: tuple[MessagePart, ...]

    @staticmethod
    def user_text(text: str) -> ChatMessage:
        return ChatMessage(role="user", parts=(TextPart(text),))

    @property
    def text(self) -> str:
        return "".join(part.text for part in self.parts if isinstance(part, TextPart))


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    input_schema: JsonObject


ToolChoice = Literal["auto", "none"]


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ToolUseDelta:
    """A complete tool call (providers assemble the streamed JSON before emitting it).

    ``input_error`` is set when the model's arguments were not a JSON object; ``input`` is then ``{}``.
    """

    id: str
    name: str
    input: JsonObject
    input_error: str | None = None


@dataclass(frozen=True, slots=True)
class TokenCount:
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True, slots=True)
class StopDelta:
    """The model finished this call. ``reason`` is normalised: end_turn, tool_use, max_tokens, other."""

    reason: str
    usage: TokenCount = field(default_factory=TokenCount)


LLMDelta = TextDelta | ToolUseDelta | StopDelta
