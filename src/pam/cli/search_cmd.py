"""`pam search QUERY`: search from the shell."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.table import Table

from pam.access import LOCAL_ADMIN
from pam.cli.output import print_json, stdout
from pam.cli.runtime import run_with_services
from pam.search.results import SearchResult
from pam.services.container import Services
from pam.services.search_scope import RequestedFilters


def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    mode: Annotated[str, typer.Option(help="hybrid, keyword or vector.")] = "hybrid",
    k: Annotated[int, typer.Option(min=1, max=100, help="How many results.")] = 10,
    project: Annotated[list[str] | None, typer.Option("--project", "-p", help="Only these projects.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Hybrid (BM25 + vector) search over the knowledge base."""
    if mode not in ("hybrid", "keyword", "vector"):
        raise typer.BadParameter("mode must be hybrid, keyword or vector")

    async def body(services: Services) -> SearchResult:
        scope = await services.auth.scope_of(LOCAL_ADMIN)
        return await services.search.search(
            scope, query, RequestedFilters(projects=project), mode=mode_t, k=k
        )

    mode_t: Literal["hybrid", "keyword", "vector"] = mode  # type: ignore[assignment]
    result = run_with_services(body)
    if json_out:
        print_json(
            {
                "query": result.query,
                "mode": result.mode,
                "took_ms": result.took_ms,
                "results": [
                    {
                        "segment_id": str(h.segment_id),
                        "document_id": str(h.document_id),
                        "title": h.title,
                        "uri": h.uri,
                        "section_path": h.section_path,
                        "page": h.page,
                        "score": h.score,
                        "content": h.content,
                    }
                    for h in result.hits
                ],
            }
        )
        return
    table = Table(
        "#", "score", "document", "section", "passage", title=f"{len(result.hits)} results ({result.mode})"
    )
    for rank, hit in enumerate(result.hits, start=1):
        passage = hit.content if len(hit.content) < 200 else hit.content[:200] + "…"
        table.add_row(
            str(rank), f"{hit.score:.4f}", f"{hit.title}\n[dim]{hit.uri}[/]", hit.section_path, passage
        )
    stdout().print(table)
