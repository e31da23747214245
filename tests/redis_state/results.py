"""Realistic `SearchResult`s for the cache tests (naive and aware datetimes, optional fields, unicode)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from pam.search.filters import SearchFilters
from pam.search.results import SearchHit, SearchResult


def a_hit(
    n: int, *, aware: bool = True, page: int | None = None, similarity: float | None = 0.8123
) -> SearchHit:
    moment = datetime(2024, 3, 1, 12, 30, 15, 123456) + timedelta(minutes=n)
    return SearchHit(
        segment_id=uuid.uuid4(),
        document_id=uuid.uuid4(),
        project_id=uuid.uuid4(),
        title=f"Runbook {n} — on-call ✓",
        uri=f"runbooks/{n}.md",
        source_type="folder",
        section_path="Runbook > Escalation",
        segment_type="text",
        page=page,
        position=n,
        score=0.016393 + n / 1e6,
        similarity=similarity,
        snippet="page the <b>on-call</b> engineer",
        content='When production is down, page the on-call engineer.\n"quoted" \\ backslash \u2028 line sep',
        updated_at=moment.replace(tzinfo=timezone(timedelta(hours=2))) if aware else moment,
    )


def a_result(generation: int = 7) -> SearchResult:
    hits = [
        a_hit(0),
        a_hit(1, aware=False, page=3, similarity=None),
        replace(a_hit(2, similarity=-0.0001), updated_at=datetime.now(UTC)),
    ]
    return SearchResult(
        query="on-call escalation", mode="hybrid", hits=hits, generation=generation, took_ms=12.34
    )


def a_key(generation: int = 7, *, query: str = "on-call escalation", k: int = 10) -> tuple[object, ...]:
    filters = SearchFilters(
        project_ids=frozenset(
            {"b0c9e9a2-0000-4000-8000-000000000001", "b0c9e9a2-0000-4000-8000-000000000002"}
        ),
        path_prefix="runbooks/",
        updated_after=datetime(2024, 1, 1, tzinfo=UTC),
    )
    return (query, filters, k, "hybrid", generation)
