"""`SearchFilters` as a SQL condition on `search_segments` (alias `s`), with the semantics of pam.search.filters.

- Set-valued fields match any value; an empty set matches nothing (the caller checks
  `matches_nothing()` first). Project and source ids are UUID columns: a value that is no UUID can
  match no row, so it is dropped, and a set left empty by that matches nothing.
- The path prefix is a plain string prefix (`starts_with`, so `%` and `_` are ordinary characters).
- Date bounds are inclusive; naive datetimes count as UTC, as in `epoch_micros`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pam.search.filters import SearchFilters


@dataclass(slots=True)
class SqlCondition:
    """A SQL boolean expression and its bind parameters (all named ``f_*``)."""

    sql: str = "TRUE"
    params: dict[str, object] = field(default_factory=dict)
    matches_nothing: bool = False


def _uuids(values: frozenset[str]) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(value))
        except (ValueError, TypeError, AttributeError):
            continue
    return sorted(out)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def filter_condition(filters: SearchFilters) -> SqlCondition:
    clauses: list[str] = []
    params: dict[str, object] = {}
    for column, allowed in (("project_id", filters.project_ids), ("source_id", filters.source_ids)):
        if allowed is None:
            continue
        ids = _uuids(allowed)
        if not ids:
            return SqlCondition(matches_nothing=True)
        clauses.append(f"s.{column} = ANY(CAST(:f_{column} AS uuid[]))")
        params[f"f_{column}"] = ids
    if filters.source_types is not None:
        if not filters.source_types:
            return SqlCondition(matches_nothing=True)
        clauses.append("s.source_type = ANY(CAST(:f_source_types AS text[]))")
        params["f_source_types"] = sorted(filters.source_types)
    if filters.tags is not None:
        if not filters.tags:
            return SqlCondition(matches_nothing=True)
        clauses.append("s.tags && CAST(:f_tags AS text[])")
        params["f_tags"] = sorted(filters.tags)
    if filters.path_prefix:
        clauses.append("starts_with(s.path, CAST(:f_path_prefix AS text))")
        params["f_path_prefix"] = filters.path_prefix
    if filters.updated_after is not None:
        clauses.append("s.updated_at >= :f_updated_after")
        params["f_updated_after"] = _utc(filters.updated_after)
    if filters.updated_before is not None:
        clauses.append("s.updated_at <= :f_updated_before")
        params["f_updated_before"] = _utc(filters.updated_before)
    if filters.matches_nothing():
        return SqlCondition(matches_nothing=True)
    return SqlCondition(" AND ".join(clauses) or "TRUE", params)
