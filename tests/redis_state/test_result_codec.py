"""Search results survive JSON exactly; cache keys digest stably; damaged values are refused, not trusted."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from pam.redis_state.result_codec import ResultCodec, key_digest
from pam.search.filters import SearchFilters
from pam.search.results import SearchResult
from tests.redis_state.results import a_key, a_result


def test_a_result_round_trips_exactly() -> None:
    codec = ResultCodec()
    result = a_result()
    back = codec.decode(codec.encode(result))
    assert back == result
    assert [h.updated_at.tzinfo is None for h in back.hits] == [False, True, False]
    assert back.hits[1].similarity is None and back.hits[1].page == 3


def test_an_empty_result_round_trips() -> None:
    codec = ResultCodec()
    empty = SearchResult(query="", mode="keyword", hits=[], generation=0, took_ms=0.0)
    assert codec.decode(codec.encode(empty)) == empty


def test_the_cached_flag_is_not_stored() -> None:
    codec = ResultCodec()
    assert codec.decode(codec.encode(replace(a_result(), cached=True))).cached is False


def test_equal_keys_digest_equally_whatever_the_set_order() -> None:
    one = SearchFilters(project_ids=frozenset(["a", "b", "c"]), tags=frozenset(["x", "y"]))
    two = SearchFilters(project_ids=frozenset(["c", "a", "b"]), tags=frozenset(["y", "x"]))
    assert key_digest(("q", one, 10, "hybrid", 3)) == key_digest(("q", two, 10, "hybrid", 3))
    assert len(key_digest(a_key())) == 64


@pytest.mark.parametrize(
    "other",
    [
        a_key(generation=8),
        a_key(k=11),
        a_key(query="on-call escalation "),
        ("on-call escalation", SearchFilters(project_ids=frozenset()), 10, "hybrid", 7),
        ("on-call escalation", SearchFilters(project_ids=None), 10, "hybrid", 7),
        ("on-call escalation", SearchFilters(project_ids=frozenset({"a"})), 10, "vector", 7),
    ],
)
def test_any_difference_in_the_key_changes_the_digest(other: tuple[object, ...]) -> None:
    assert key_digest(a_key()) != key_digest(other)


def test_a_string_never_collides_with_a_datetime_or_a_number_of_the_same_text() -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    assert key_digest((moment,)) != key_digest((moment.isoformat(),))
    assert key_digest((1,)) != key_digest(("1",))
    assert key_digest((1,)) != key_digest((1.0,))
    assert key_digest((True,)) != key_digest((1,))
    assert key_digest((frozenset({"a"}),)) != key_digest((["a"],))


def test_a_key_of_an_unknown_type_is_refused() -> None:
    with pytest.raises(TypeError):
        key_digest((object(),))


def _damaged() -> list[bytes]:
    good = json.loads(ResultCodec().encode(a_result()))
    cases: list[object] = [
        {**good, "format": 999},
        {**good, "mode": "telepathy"},
        {**good, "generation": "7"},
        {**good, "generation": True},
        {**good, "hits": "none"},
        {**good, "hits": [{**good["hits"][0], "segment_id": "not-a-uuid"}]},
        {**good, "hits": [{**good["hits"][0], "updated_at": "yesterday"}]},
        {**good, "hits": [{**good["hits"][0], "score": "high"}]},
        {**good, "hits": [{**good["hits"][0], "page": 1.5}]},
        {**good, "hits": [{**good["hits"][0], "extra": 1}]},
        {**good, "hits": [{k: v for k, v in good["hits"][0].items() if k != "title"}]},
        {**good, "hits": [None]},
        {k: v for k, v in good.items() if k != "query"},
        [],
        None,
    ]
    raw = [json.dumps(c).encode() for c in cases]
    return [*raw, b"", b"\xff\xfe not utf-8", b"{", b"NaN"]


@pytest.mark.parametrize("raw", _damaged())
def test_a_damaged_or_foreign_value_is_refused(raw: bytes) -> None:
    with pytest.raises(ValueError):
        ResultCodec().decode(raw)
