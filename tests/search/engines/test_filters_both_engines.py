"""Every filter, on both engines, against a reference computed in plain Python."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pam.search.filters import IndexedSegment, SearchFilters, epoch_micros

from .conftest import BASE, Engine, make_segment, sid


def corpus() -> list[IndexedSegment]:
    segs = []
    for n in range(1, 25):
        segs.append(
            make_segment(
                n,
                f"alpha report number {n}",
                document_id=f"doc{n // 2}",
                project_id=("p1", "p2", "p3")[n % 3],
                source_type=("file", "web")[n % 2],
                source_id=f"s{n % 4}",
                path=("docs/guide/", "docs/gui/", "notes/", "docs/")[n % 4] + f"{n}.md",
                tags=(("red",), ("blue", "green"), (), ("green",))[n % 4],
            )
        )
    return segs


def reference(segs: list[IndexedSegment], f: SearchFilters) -> set[str]:
    def keep(s: IndexedSegment) -> bool:
        return (
            (f.project_ids is None or s.project_id in f.project_ids)
            and (f.source_types is None or s.source_type in f.source_types)
            and (f.source_ids is None or s.source_id in f.source_ids)
            and (not f.path_prefix or s.path.startswith(f.path_prefix))
            and (f.tags is None or bool(set(s.tags) & f.tags))
            and (f.updated_after is None or epoch_micros(s.updated_at) >= epoch_micros(f.updated_after))
            and (f.updated_before is None or epoch_micros(s.updated_at) <= epoch_micros(f.updated_before))
        )

    return {s.segment_id for s in segs if keep(s)}


FILTERS = {
    "none": SearchFilters(),
    "project": SearchFilters(project_ids=frozenset({"p2"})),
    "two_projects": SearchFilters(project_ids=frozenset({"p1", "p3"})),
    "unknown_project": SearchFilters(project_ids=frozenset({"nope"})),
    "empty_projects": SearchFilters(project_ids=frozenset()),
    "source_type": SearchFilters(source_types=frozenset({"web"})),
    "source": SearchFilters(source_ids=frozenset({"s1", "s2"})),
    "path_folder": SearchFilters(path_prefix="docs/guide/"),
    "path_partial": SearchFilters(path_prefix="docs/gui"),
    "path_root": SearchFilters(path_prefix="docs/"),
    "path_none": SearchFilters(path_prefix="zzz/"),
    "tags_any": SearchFilters(tags=frozenset({"red", "blue"})),
    "tag_shared": SearchFilters(tags=frozenset({"green"})),
    "after": SearchFilters(updated_after=BASE + timedelta(days=10)),
    "before": SearchFilters(updated_before=BASE + timedelta(days=5)),
    "between_naive": SearchFilters(
        updated_after=(BASE + timedelta(days=3)).replace(tzinfo=None),
        updated_before=(BASE + timedelta(days=7)).replace(tzinfo=None),
    ),
    "inverted_range": SearchFilters(updated_after=BASE + timedelta(days=9), updated_before=BASE),
    "combined": SearchFilters(
        project_ids=frozenset({"p1", "p2"}),
        source_types=frozenset({"file"}),
        path_prefix="docs/",
        updated_after=BASE + timedelta(days=4),
    ),
}


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_filter_matches_reference(engine: Engine, name: str) -> None:
    segs = corpus()
    engine.add(segs)
    expected = reference(segs, FILTERS[name])
    assert set(engine.ids("alpha report", FILTERS[name])) == expected
    if name == "none":
        assert len(expected) == len(segs)


def test_filter_is_applied_before_truncation(engine: Engine) -> None:
    # Fifty strong matches in another project would fill any top-3 taken before filtering.
    loud = [make_segment(n, "zebra " * 20 + "zebra", project_id="other") for n in range(1, 51)]
    quiet = [
        make_segment(n, "zebra appears once among many other words here", project_id="mine")
        for n in range(100, 103)
    ]
    engine.add(loud + quiet)
    allowed = SearchFilters(project_ids=frozenset({"mine"}))
    assert engine.ids("zebra", SearchFilters(), limit=3)[0] in {s.segment_id for s in loud}
    assert set(engine.ids("zebra", allowed, limit=3)) == {s.segment_id for s in quiet}


def test_delete_segments_and_documents(engine: Engine) -> None:
    segs = [make_segment(n, "gamma ray", document_id=f"doc{n % 3}") for n in range(1, 10)]
    engine.add(segs)
    engine.delete_segments([sid(1), sid(2), "not-a-known-id"])
    assert set(engine.ids("gamma")) == {sid(n) for n in range(3, 10)}
    engine.delete_documents(["doc0", "doc-missing"])
    assert set(engine.ids("gamma")) == {sid(n) for n in (4, 5, 7, 8)}
    engine.delete_documents(["doc1", "doc2"])
    assert engine.ids("gamma") == []


def test_upsert_replaces_content_and_meta(engine: Engine) -> None:
    engine.add([make_segment(1, "old words here"), make_segment(2, "old stuff")])
    engine.add([make_segment(1, "brand new text", project_id="p9")])
    assert engine.ids("old") == [sid(2)]
    assert engine.ids("brand new") == [sid(1)]
    assert engine.ids("brand", SearchFilters(project_ids=frozenset({"p1"}))) == []
    assert engine.ids("brand", SearchFilters(project_ids=frozenset({"p9"}))) == [sid(1)]


def test_limit_and_order(engine: Engine) -> None:
    engine.add([make_segment(n, "delta " * n + "filler text") for n in range(1, 8)])
    hits = engine.search("delta", SearchFilters(), 3)
    assert len(hits) == 3
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)
    assert engine.search("delta", SearchFilters(), 0) == []
