"""Tantivy keyword index: durability of the applied sequence, replay, hostile queries, visibility."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pam.errors import Conflict, InvalidInput
from pam.search.analyzer import MAX_QUERY_TERMS, AnalyzerName, build_analyzer, query_terms
from pam.search.filters import SearchFilters
from pam.search.keyword_tantivy import STATE_FILE, IndexWriterBusy, TantivyKeywordIndex

from .conftest import make_segment, sid

ALL = SearchFilters()


def ids(index: TantivyKeywordIndex, query: str) -> set[str]:
    return {s for s, _ in index.search(query, ALL, 100)}


def test_writes_are_invisible_until_commit(memory_index: TantivyKeywordIndex) -> None:
    memory_index.upsert([make_segment(1, "pending words")])
    assert ids(memory_index, "pending") == set()
    memory_index.commit(1)
    assert ids(memory_index, "pending") == {sid(1)}
    assert len(memory_index) == 1


def test_rollback_drops_uncommitted_writes(memory_index: TantivyKeywordIndex) -> None:
    memory_index.upsert([make_segment(1, "kept")])
    memory_index.commit(1)
    memory_index.upsert([make_segment(2, "dropped")])
    memory_index.delete_segments([sid(1)])
    memory_index.rollback()
    memory_index.commit(2)
    assert ids(memory_index, "kept dropped") == {sid(1)}


def test_applied_seq_survives_reopen(tmp_path: Path) -> None:
    index = TantivyKeywordIndex(tmp_path / "kw")
    assert index.applied_seq() == 0
    index.upsert([make_segment(1, "durable text")])
    index.commit(41)
    index.close()
    reopened = TantivyKeywordIndex(tmp_path / "kw")
    try:
        assert reopened.applied_seq() == 41
        assert ids(reopened, "durable") == {sid(1)}
    finally:
        reopened.close()


def test_replay_after_crash_between_commit_and_state_is_idempotent(tmp_path: Path) -> None:
    ops = [
        (
            "upsert",
            [make_segment(1, "first version", document_id="d1"), make_segment(2, "other", document_id="d2")],
        ),
        ("upsert", [make_segment(1, "second version", document_id="d1")]),
        ("delete_documents", ["d2"]),
    ]

    def apply(index: TantivyKeywordIndex, start: int) -> None:
        for seq, (op, arg) in enumerate(ops, start=1):
            if seq <= start:
                continue
            if op == "upsert":
                index.upsert(arg)  # type: ignore[arg-type]
            else:
                index.delete_documents(arg)  # type: ignore[arg-type]
            index.commit(seq)

    index = TantivyKeywordIndex(tmp_path / "kw")
    apply(index, 0)
    index.close()
    # The index committed everything but the state file was left at seq 1, as if we crashed in between.
    state_path = tmp_path / "kw" / STATE_FILE
    state = json.loads(state_path.read_text())
    state_path.write_text(json.dumps({**state, "applied_seq": 1}))
    index = TantivyKeywordIndex(tmp_path / "kw")
    try:
        assert index.applied_seq() == 1
        apply(index, index.applied_seq())
        apply(index, 0)  # even a full replay from the start converges
        assert index.applied_seq() == 3
        assert len(index) == 1
        assert ids(index, "version") == {sid(1)}
        assert ids(index, "first other") == set()
    finally:
        index.close()


def test_reopen_with_other_analyzer_is_refused(tmp_path: Path) -> None:
    TantivyKeywordIndex(tmp_path / "kw", analyzer=AnalyzerName.EN_STEM).close()
    with pytest.raises(Conflict):
        TantivyKeywordIndex(tmp_path / "kw", analyzer=AnalyzerName.EN_STEM_STOP)


def test_foreign_tantivy_directory_is_refused(tmp_path: Path) -> None:
    TantivyKeywordIndex(tmp_path / "kw").close()
    (tmp_path / "kw" / STATE_FILE).unlink()
    with pytest.raises(Conflict):
        TantivyKeywordIndex(tmp_path / "kw")


def test_segment_id_must_be_a_uuid(memory_index: TantivyKeywordIndex) -> None:
    bad = make_segment(1, "x", segment_id="not-a-uuid")
    with pytest.raises(InvalidInput):
        memory_index.upsert([bad])


def test_segment_ids_come_back_canonical(memory_index: TantivyKeywordIndex) -> None:
    memory_index.upsert([make_segment(1, "upper", segment_id=sid(1).upper())])
    memory_index.commit(1)
    assert ids(memory_index, "upper") == {sid(1)}
    memory_index.delete_segments([sid(1).upper()])
    memory_index.commit(2)
    assert ids(memory_index, "upper") == set()


def test_stemming_and_stop_words(memory_index: TantivyKeywordIndex) -> None:
    memory_index.upsert([make_segment(1, "The runners were running quickly"), make_segment(2, "the and of")])
    memory_index.commit(1)
    assert ids(memory_index, "run") == {sid(1)}
    assert ids(memory_index, "the of and") == set()


def test_title_and_section_are_searchable(memory_index: TantivyKeywordIndex) -> None:
    memory_index.upsert(
        [make_segment(1, "body text", title="Quarterly Budget", section_path="Finance > Plans")]
    )
    memory_index.commit(1)
    assert ids(memory_index, "budget") == {sid(1)}
    assert ids(memory_index, "finance") == {sid(1)}


HOSTILE = [
    "",
    "   \t\n ",
    '"unclosed quote',
    "alpha AND OR NOT",
    "NOT alpha",
    "alpha NEAR/3 beta",
    "*",
    "alp*",
    "title:alpha",
    "content:(alpha OR beta)^5",
    "alpha~2",
    "[a TO z]",
    "{}()[]^~:\\/!-+&|",
    "alpha " * 2000,
    "x" * 10_000,
    "\x00\x01\x1f alpha \x7f",
    "\ud800 lone surrogate alpha",
    "数据库 搜索",
    "بحث النص",
    "🔥💥 alpha 🚀",
    "'; DROP TABLE segments; --",
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(memory_index: TantivyKeywordIndex, query: str) -> None:
    memory_index.upsert([make_segment(1, "alpha beta title content"), make_segment(2, "数据库 搜索 🔥")])
    memory_index.commit(1)
    hits = memory_index.search(query, SearchFilters(path_prefix=query[:50] or None), 10)
    assert isinstance(hits, list)
    plain = {s for s, _ in memory_index.search(query, ALL, 10)}
    if "alpha" in query:
        assert sid(1) in plain
    if not query.strip():
        assert plain == set()


def test_cjk_text_is_found_by_its_tokens(memory_index: TantivyKeywordIndex) -> None:
    memory_index.upsert([make_segment(1, "数据库 搜索")])
    memory_index.commit(1)
    assert ids(memory_index, "搜索") == {sid(1)}


def test_query_terms_are_capped_and_distinct() -> None:
    analyzer = build_analyzer(AnalyzerName.EN_STEM_STOP)
    terms = query_terms(analyzer, " ".join(f"word{i} word{i}" for i in range(500)))
    assert len(terms) == MAX_QUERY_TERMS
    assert len(set(terms)) == len(terms)


def test_close_releases_the_directory(tmp_path: Path) -> None:
    first = TantivyKeywordIndex(tmp_path / "kw")
    first.upsert([make_segment(1, "one")])
    first.commit(1)
    first.close()
    second = TantivyKeywordIndex(tmp_path / "kw")
    try:
        second.upsert([make_segment(2, "two")])
        second.commit(2)
        assert ids(second, "one two") == {sid(1), sid(2)}
    finally:
        second.close()


def test_second_instance_reads_while_first_writes(tmp_path: Path) -> None:
    writer = TantivyKeywordIndex(tmp_path / "kw")
    reader = TantivyKeywordIndex(tmp_path / "kw")
    try:
        writer.upsert([make_segment(1, "shared words")])
        with pytest.raises(IndexWriterBusy):
            reader.upsert([make_segment(2, "blocked")])
        reader.rollback()
        writer.commit(5)
        assert reader.applied_seq() == 0
        reader.reload_reader()
        assert reader.applied_seq() == 5
        assert ids(reader, "shared blocked") == {sid(1)}
    finally:
        reader.close()
        writer.close()
