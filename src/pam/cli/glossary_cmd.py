"""`pam glossary list|show|add|edit|remove`: the project glossaries from the shell."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pam.access import AccessScope
from pam.cli.output import fail, print_json, stdout
from pam.cli.store_runtime import run_with_store
from pam.errors import NotFound
from pam.services.glossary import GlossaryEntry, GlossaryService, TermInput
from pam.services.store_runtime import StoreServices

app = typer.Typer(
    help="The glossary: terms, definitions and aliases (DAU = daily active users). "
    "Aliases expand searches; glossary documents load terms at ingestion (docs/glossary.md).",
    no_args_is_help=True,
)
ProjectOpt = Annotated[str | None, typer.Option("--project", "-p", help="Project name (default: default).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AliasOpt = Annotated[
    list[str] | None, typer.Option("--alias", "-a", help="Another name; repeat for several.")
]


def _as_dict(e: GlossaryEntry) -> dict[str, Any]:
    return {
        "id": str(e.id),
        "project": e.project,
        "term": e.term,
        "definition": e.definition,
        "aliases": list(e.aliases),
        "origin": e.origin,
        "document_id": str(e.document_id) if e.document_id else None,
        "updated_at": e.updated_at.isoformat(),
    }


def _print(entries: list[GlossaryEntry], json_out: bool, title: str) -> None:
    if json_out:
        print_json([_as_dict(e) for e in entries])
        return
    table = Table("term", "aliases", "definition", "project", "origin", title=title)
    for e in entries:
        table.add_row(escape(e.term), escape(", ".join(e.aliases)), escape(e.definition), e.project, e.origin)
    stdout().print(table)


async def _find(service: GlossaryService, scope: AccessScope, ref: str, project: str | None) -> GlossaryEntry:
    """A term by id, or by its exact name (or alias) in the project."""
    try:
        return await service.get(scope, uuid.UUID(ref))
    except ValueError:
        pass
    matches = [
        e
        for e in await service.lookup(scope, ref, projects=[project] if project else None)
        if ref.casefold() in {n.casefold() for n in (e.term, *e.aliases)}
    ]
    if len(matches) != 1:
        raise NotFound(f"no single term named {ref!r}" + (f" in project {project}" if project else ""))
    return matches[0]


@app.command("list")
def list_(
    project: ProjectOpt = None,
    query: Annotated[str | None, typer.Option("--query", "-q", help="Only terms containing this.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 200,
    json_out: JsonOpt = False,
) -> None:
    """List glossary terms."""

    async def body(store: StoreServices) -> list[GlossaryEntry]:
        scope = await store.local_scope()
        page = await store.glossary.page(scope, project=project, contains=query, limit=limit, offset=0)
        return page.items

    entries = run_with_store(body)
    _print(entries, json_out, f"{len(entries)} terms")


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="A term or an alias.")], json_out: JsonOpt = False) -> None:
    """The terms a name refers to (exit 1 if none)."""

    async def body(store: StoreServices) -> list[GlossaryEntry]:
        return await store.glossary.lookup(await store.local_scope(), name)

    entries = run_with_store(body)
    if not entries and not json_out:
        fail(f"no glossary term named {name!r}")
    _print(entries, json_out, name)
    if not entries:
        raise typer.Exit(1)


@app.command("add")
def add(
    term: Annotated[str, typer.Argument(help="The term, e.g. DAU.")],
    definition: Annotated[str, typer.Option("--definition", "-d", help="What it means.")],
    alias: AliasOpt = None,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a term (written by hand: re-ingesting documents never changes it)."""

    async def body(store: StoreServices) -> GlossaryEntry:
        scope = await store.local_scope()
        return await store.glossary.create(scope, project, TermInput(term, definition, tuple(alias or ())))

    entry = run_with_store(body)
    if json_out:
        print_json(_as_dict(entry))
    else:
        stdout().print(
            f"added [bold]{escape(entry.term)}[/] to {escape(entry.project)} ({entry.id})", highlight=False
        )


@app.command("edit")
def edit(
    ref: Annotated[str, typer.Argument(help="The term's id, or its name.")],
    definition: Annotated[str | None, typer.Option("--definition", "-d", help="New definition.")] = None,
    alias: AliasOpt = None,
    rename: Annotated[str | None, typer.Option("--term", help="New name for the term.")] = None,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Change a term's definition, aliases (given: replace them all) or name."""

    async def body(store: StoreServices) -> GlossaryEntry:
        scope = await store.local_scope()
        current = await _find(store.glossary, scope, ref, project)
        data = TermInput(
            rename or current.term,
            definition if definition is not None else current.definition,
            tuple(alias) if alias is not None else current.aliases,
        )
        return await store.glossary.update(scope, current.id, data)

    entry = run_with_store(body)
    if json_out:
        print_json(_as_dict(entry))
    else:
        stdout().print(f"updated [bold]{escape(entry.term)}[/] ({entry.id})", highlight=False)


@app.command("remove")
def remove(
    ref: Annotated[str, typer.Argument(help="The term's id, or its name.")],
    project: ProjectOpt = None,
) -> None:
    """Delete a term."""

    async def body(store: StoreServices) -> GlossaryEntry:
        scope = await store.local_scope()
        current = await _find(store.glossary, scope, ref, project)
        await store.glossary.delete(scope, current.id)
        return current

    entry = run_with_store(body)
    stdout().print(f"removed [bold]{escape(entry.term)}[/]", highlight=False)
