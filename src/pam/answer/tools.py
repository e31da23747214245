"""A small registry of agent tools: a definition (name, description, pydantic input model) and a handler.

A ``ToolDefinition`` is what a model sees of a tool at every door: the agent's loop renders results
as numbered text for its own model, the MCP server returns the same tool's results structured to
another application's model. One definition, so both doors offer the same names, words and schema.

``ToolRegistry.run`` never raises for a tool's sake: unknown tools, input that fails validation and
exceptions inside handlers all become an error result for the model (exceptions are logged), so a
broken tool can cost an answer a step but never the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from pydantic import BaseModel, ValidationError

from pam.answer.llm_messages import JsonObject, ToolSpec
from pam.answer.source_book import SourceBook
from pam.answer.sources import KnowledgeTools, ToolFilters
from pam.errors import PamError

InputT = TypeVar("InputT", bound=BaseModel)
# Longest tool result handed to the model; bigger results are cut with a note.
MAX_RESULT_CHARS = 24_000


@dataclass(frozen=True, slots=True)
class ToolContext:
    """What a handler may use: the caller-scoped knowledge tools, the user's filters, the numbering."""

    knowledge: KnowledgeTools
    filters: ToolFilters
    sources: SourceBook


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    content: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class ToolDefinition(Generic[InputT]):
    """A tool as a model sees it, whichever door offers it (the agent's loop, MCP)."""

    name: str
    description: str
    input_model: type[InputT]

    def spec(self) -> ToolSpec:
        schema: JsonObject = self.input_model.model_json_schema()
        return ToolSpec(name=self.name, description=self.description, input_schema=schema)


@dataclass(frozen=True, slots=True)
class Tool(Generic[InputT]):
    """An agent tool: a definition and a handler that renders its result as text for the model."""

    definition: ToolDefinition[InputT]
    handler: Callable[[InputT, ToolContext], Awaitable[str]]
    # Short progress line for the UI, e.g. "Searching for 'refund policy'".
    describe: Callable[[InputT], str] | None = None

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def input_model(self) -> type[InputT]:
        return self.definition.input_model

    def spec(self) -> ToolSpec:
        return self.definition.spec()

    def status_line(self, raw: JsonObject) -> str:
        if self.describe is not None:
            try:
                return self.describe(self.input_model.model_validate(raw))
            except ValidationError:
                pass
        return f"Using {self.name}"

    async def run(self, raw: JsonObject, ctx: ToolContext) -> ToolOutcome:
        try:
            parsed = self.input_model.model_validate(raw)
        except ValidationError as exc:
            return ToolOutcome(f"Invalid input for {self.name}: {describe_errors(exc)}", is_error=True)
        return ToolOutcome(_bounded(await self.handler(parsed, ctx)))


class ToolRegistry:
    def __init__(self, tools: Iterable[Tool[Any]] = ()) -> None:
        self._tools: dict[str, Tool[Any]] = {}
        for tool in tools:
            self.register(tool)

    def register(self, tool: Tool[Any]) -> None:
        if tool.name in self._tools:
            raise ValueError(f"duplicate tool name: {tool.name}")
        self._tools[tool.name] = tool

    def specs(self) -> list[ToolSpec]:
        return [tool.spec() for tool in self._tools.values()]

    def status_line(self, name: str, raw: JsonObject) -> str:
        tool = self._tools.get(name)
        return tool.status_line(raw) if tool is not None else f"Using {name}"

    async def run(self, name: str, raw: JsonObject, ctx: ToolContext) -> ToolOutcome:
        tool = self._tools.get(name)
        if tool is None:
            known = ", ".join(sorted(self._tools))
            return ToolOutcome(f"Unknown tool {name!r}. Available tools: {known}.", is_error=True)
        log = structlog.get_logger(__name__)
        try:
            return await tool.run(raw, ctx)
        except PamError as exc:
            # Domain errors carry messages written for clients (e.g. "Document not found").
            log.info("answer.tool_error", tool=name, code=exc.code)
            return ToolOutcome(f"{name} failed: {exc.message}", is_error=True)
        except Exception:
            log.exception("answer.tool_crashed", tool=name)
            return ToolOutcome(f"{name} failed with an internal error. Try something else.", is_error=True)


def describe_errors(exc: ValidationError) -> str:
    """Field locations and pydantic's messages, never the values sent (they may be anything)."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False)[:5]:
        where = ".".join(str(loc) for loc in error["loc"]) or "input"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _bounded(text: str) -> str:
    if len(text) <= MAX_RESULT_CHARS:
        return text
    return text[:MAX_RESULT_CHARS] + "\n[result cut: too long]"
