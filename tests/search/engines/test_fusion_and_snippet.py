"""Reciprocal rank fusion arithmetic and the HTML-safe highlighter."""

from __future__ import annotations

import pytest

from pam.errors import InvalidInput
from pam.search.fusion import rrf_fuse
from pam.search.keyword_tantivy import TantivyKeywordIndex


def test_rrf_scores_match_the_formula() -> None:
    fused = dict(rrf_fuse([["a", "b", "c"], ["c", "a"]], k=60, limit=10))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert [d for d, _ in rrf_fuse([["a", "b", "c"], ["c", "a"]], k=60, limit=10)] == ["a", "c", "b"]


def test_rrf_ties_break_by_best_rank_then_id() -> None:
    # x and y both get 1/(k+1) + 1/(k+2); z and w both sit at rank 3 alone.
    fused = rrf_fuse([["x", "y", "z"], ["y", "x", "w"]], k=60, limit=10)
    assert [d for d, _ in fused] == ["x", "y", "w", "z"]
    assert rrf_fuse([["b"], ["a"]], limit=2) == rrf_fuse([["a"], ["b"]], limit=2)


def test_rrf_weights_limit_duplicates_and_empty() -> None:
    fused = rrf_fuse([["a", "b"], ["b", "a"]], k=0, limit=1, weights=[1.0, 3.0])
    assert fused == [("b", pytest.approx(1 / 2 + 3 / 1))]
    assert dict(rrf_fuse([["a", "a", "b"]], k=0))["a"] == pytest.approx(1.0)
    assert rrf_fuse([], limit=5) == []
    assert rrf_fuse([[], []], limit=5) == []
    assert rrf_fuse([["a"]], limit=0) == []


@pytest.mark.parametrize("kwargs", [{"k": -1}, {"limit": -1}, {"weights": [1.0]}])
def test_rrf_rejects_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        rrf_fuse([["a"], ["b"]], **kwargs)  # type: ignore[arg-type]


def test_snippet_marks_stemmed_matches_and_escapes(memory_index: TantivyKeywordIndex) -> None:
    text = '<script>alert("x")</script> The runners & "dogs" were running <b>fast</b>'
    out = memory_index.snippet("run dog", text)
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out and "&amp;" in out
    assert "<mark>running</mark>" in out and "<mark>dogs</mark>" in out
    assert "<mark>runners</mark>" not in out  # Porter stems it to "runner", not "run"
    assert out.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_snippet_query_cannot_inject_markup(memory_index: TantivyKeywordIndex) -> None:
    out = memory_index.snippet('<img src=x onerror="alert(1)"> mark', "a <mark> tag and a mark word")
    assert "<img" not in out
    assert "&lt;<mark>mark</mark>&gt;" in out
    assert out.count("<mark>") == out.count("</mark>") == 2


def test_snippet_window_centres_on_matches(memory_index: TantivyKeywordIndex) -> None:
    text = "filler " * 200 + "the needle sits here " + "filler " * 200
    out = memory_index.snippet("needle", text, max_chars=80)
    assert "<mark>needle</mark>" in out
    assert out.startswith("…") and out.endswith("…")
    assert len(out.replace("<mark>", "").replace("</mark>", "")) <= 82


def test_snippet_without_match_is_the_start(memory_index: TantivyKeywordIndex) -> None:
    assert memory_index.snippet("absent", "short & sweet") == "short &amp; sweet"
    assert memory_index.snippet("", "x" * 500, max_chars=10) == "x" * 10 + "…"
    assert memory_index.snippet("anything", "") == ""


def test_snippet_handles_non_latin_and_bad_unicode(memory_index: TantivyKeywordIndex) -> None:
    assert memory_index.snippet("搜索", "数据库 搜索 🔥") == "数据库 <mark>搜索</mark> 🔥"
    assert "<mark>" in memory_index.snippet("alpha \ud800", "alpha \ud800 beta")
