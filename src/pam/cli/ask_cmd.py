"""`pam ask QUESTION`: the answer streamed to the terminal, sources listed after it."""

from __future__ import annotations

import sys
import uuid
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from pam.access import LOCAL_ADMIN
from pam.answer.events import CitationEvent, Done, Error, Status, Token, ToolCall
from pam.cli.output import print_json, stderr, stdout
from pam.cli.runtime import run_with_services
from pam.services.chat import ChatFilters, Started, grounding_record
from pam.services.container import Services


def ask(
    question: Annotated[str, typer.Argument(help="Your question.")],
    project: Annotated[list[str] | None, typer.Option("--project", "-p", help="Only these projects.")] = None,
    conversation: Annotated[str | None, typer.Option(help="Continue this conversation (its id).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object at the end.")] = False,
) -> None:
    """Ask a question; the answer cites its sources as [n]. Exit 1 if the answer failed."""
    conv_id = uuid.UUID(conversation) if conversation else None

    async def body(services: Services) -> dict[str, Any]:
        result: dict[str, Any] = {
            "answer": "",
            "citations": [],
            "provider": services.chat.answerer.provider,
            "conversation_id": None,
            "error": None,
            "grounded": None,
            "grounding": None,
        }
        scope = await services.auth.scope_of(LOCAL_ADMIN)
        async for event in services.chat.stream(scope, question, conv_id, ChatFilters(projects=project)):
            if isinstance(event, Started):
                result["conversation_id"] = str(event.conversation_id)
            elif isinstance(event, Token):
                result["answer"] += event.text
                if not json_out:
                    sys.stdout.write(event.text)
                    sys.stdout.flush()
            elif isinstance(event, CitationEvent):
                result["citations"].append(asdict(event.citation))
            elif isinstance(event, (Status, ToolCall)) and not json_out:
                label = event.message if isinstance(event, Status) else f"tool {event.name}"
                stderr().print(f"[dim]· {label}[/]")
            elif isinstance(event, Done):
                result["provider"] = event.provider
                result["grounded"] = event.grounded
                result["grounding"] = grounding_record(event.grounding)
            elif isinstance(event, Error):
                result["error"] = {"code": event.code, "message": event.message}
        return result

    result = run_with_services(body)
    if json_out:
        keys = ("answer", "citations", "provider", "conversation_id", "error", "grounded", "grounding")
        print_json({k: result[k] for k in keys})
    else:
        sys.stdout.write("\n")
        if result["citations"]:
            table = Table("#", "source", "section", title="Sources")
            for c in result["citations"]:
                where = c["uri"] + (f" (page {c['page']})" if c["page"] else "")
                table.add_row(str(c["number"]), f"{c['title']}\n[dim]{where}[/]", c["section_path"])
            stdout().print(table)
        if result["error"]:
            stderr().print(f"[bold red]The answer is incomplete:[/] {result['error']['message']}")
        _print_grounding(result["grounding"])
    if result["error"]:
        raise typer.Exit(1)


def _print_grounding(grounding: dict[str, Any] | None) -> None:
    """Say when the answer is not supported by its sources, and show the extractive one offered."""
    if grounding is None or grounding["action"] == "shown":
        return
    if grounding["action"] == "replaced":
        stderr().print(
            f"[yellow]The model's answer was not supported by the sources ({grounding['reason']}); "
            "this is the extractive answer.[/]"
        )
        return
    stderr().print(f"[bold yellow]Not supported by the sources[/] ({grounding['reason']}).")
    alternative = grounding.get("alternative")
    if alternative:
        stdout().print("\n[bold]Extractive answer, quoted from the sources:[/]")
        sys.stdout.write(alternative["text"] + "\n")
        for c in alternative["citations"]:
            stdout().print(f"  [{c['number']}] {c['title']} {c['uri'] or ''}".rstrip(), markup=False)
