"""`pam projects add|list`: projects from the shell."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pam.cli.output import print_json, stdout
from pam.cli.store_runtime import run_with_store
from pam.services.store_runtime import StoreServices

app = typer.Typer(
    help="Projects: every document belongs to one; roles are given per project.", no_args_is_help=True
)


def _as_dict(p: Any) -> dict[str, str]:
    return {
        "id": str(p.id),
        "name": p.name,
        "description": p.description,
        "created_at": p.created_at.isoformat(),
    }


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Unique project name.")],
    description: Annotated[str, typer.Option("--description", "-d", help="What the project holds.")] = "",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a project."""

    async def body(admin: StoreServices) -> Any:
        return await admin.projects.create(name, description)

    project = run_with_store(body)
    if json_out:
        print_json(_as_dict(project))
    else:
        stdout().print(f"created project [bold]{escape(project.name)}[/] ({project.id})", highlight=False)


@app.command("list")
def list_(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List every project."""

    async def body(admin: StoreServices) -> list[Any]:
        return await admin.projects.all()

    projects = run_with_store(body)
    if json_out:
        print_json([_as_dict(p) for p in projects])
        return
    table = Table("name", "description", "id", title=f"{len(projects)} projects")
    for p in projects:
        table.add_row(p.name, p.description, str(p.id))
    stdout().print(table)
