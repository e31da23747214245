"""The app's routes as (path pattern, template, methods), read once per app: which route template a
request path belongs to (the metrics' `route` label) and which methods a path supports (`Allow`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

UNMATCHED = "unmatched"  # one label for every path no route serves, so random paths add no series


@dataclass(frozen=True, slots=True)
class RouteEntry:
    pattern: re.Pattern[str]
    template: str
    methods: frozenset[str]


def route_table(app: FastAPI) -> list[RouteEntry]:
    table: list[RouteEntry] | None = getattr(app.state, "route_table", None)
    if table is None:
        table = [
            RouteEntry(
                route.path_regex, route.path_format or route.path or "", frozenset(route.methods or ())
            )
            for route in iter_route_contexts(app.routes)
            if getattr(route, "path_regex", None) is not None
        ]
        app.state.route_table = table
    return table


def template_of(app: FastAPI, path: str, method: str) -> str:
    """The template of the route serving `method` at `path` ("/api/documents/{document_id}")."""
    fallback = UNMATCHED
    for entry in route_table(app):
        if entry.pattern.match(path):
            if method in entry.methods or not entry.methods:
                return entry.template
            fallback = entry.template  # the path exists, the method does not (a 405)
    return fallback


def methods_at(app: FastAPI, path: str) -> list[str]:
    """Every method some route serves at `path`, sorted."""
    return sorted({m for entry in route_table(app) if entry.pattern.match(path) for m in entry.methods})
