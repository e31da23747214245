"""`/api/glossary`: the project glossaries (terms, definitions, aliases). Viewers read, editors write."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from pam.api.deps import ScopeDep, ServicesDep
from pam.api.routes.glossary_schemas import TermCreate, TermOut, TermPage, TermWrite

router = APIRouter(prefix="/glossary", tags=["glossary"])
# A term's id is typed in the path itself, so `/lookup` is never taken for an id: PUT or DELETE there
# answers 405 naming GET (not a 422 about a malformed id), and a path that is no term's id is a 404.
TERM = "/{term_id:uuid}"


@router.get("", response_model=TermPage)
async def list_terms(
    services: ServicesDep,
    scope: ScopeDep,
    project: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Only terms whose name contains this")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TermPage:
    page = await services.glossary.page(scope, project=project, contains=q, limit=limit, offset=offset)
    return TermPage(items=[TermOut.of(e) for e in page.items], total=page.total)


@router.get("/lookup", response_model=list[TermOut])
async def lookup_term(
    services: ServicesDep, scope: ScopeDep, name: Annotated[str, Query(min_length=1, max_length=500)]
) -> list[TermOut]:
    """The terms a name refers to (the term itself or one of its aliases), in the caller's projects."""
    return [TermOut.of(e) for e in await services.glossary.lookup(scope, name)]


@router.post("", status_code=201, response_model=TermOut)
async def create_term(body: TermCreate, services: ServicesDep, scope: ScopeDep) -> TermOut:
    return TermOut.of(await services.glossary.create(scope, body.project, body.to_input()))


@router.get(TERM, response_model=TermOut)
async def get_term(term_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> TermOut:
    return TermOut.of(await services.glossary.get(scope, term_id))


@router.put(TERM, response_model=TermOut)
async def update_term(term_id: uuid.UUID, body: TermWrite, services: ServicesDep, scope: ScopeDep) -> TermOut:
    return TermOut.of(await services.glossary.update(scope, term_id, body.to_input()))


@router.delete(TERM, status_code=204, response_class=Response)
async def delete_term(term_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> Response:
    await services.glossary.delete(scope, term_id)
    return Response(status_code=204)
