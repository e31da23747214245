from __future__ import annotations

import pytest

from pam.errors import ParseError
from pam.ingest.parsers import JsonParser, ParseLimits


def test_paths_are_written_out() -> None:
    data = b'{"title": "Tracking plan", "events": [{"name": "signup", "props": {"plan": "pro", "a b": 1}}], "v": null}'
    document = JsonParser().parse(data, "plan.json")
    assert document.title == "Tracking plan"
    assert document.blocks[0].text == (
        "title: Tracking plan\n"
        "events[0].name: signup\n"
        "events[0].props.plan: pro\n"
        'events[0].props["a b"]: 1\n'
        "v: null"
    )
    assert document.metadata == {"format": "json", "truncated": "false"}


def test_json_lines_records_stay_whole_per_block() -> None:
    record = b'{"user": "u%d", "note": "%s"}\n'
    data = b"".join(record % (i, b"x" * 60) for i in range(10))
    document = JsonParser(ParseLimits(group_chars=200)).parse(data, "events.jsonl")
    assert document.mime_type == "application/x-ndjson"
    for block in document.blocks:
        lines = block.text.split("\n")
        assert len(lines) % 2 == 0  # user + note of the same record are never split
    assert document.blocks[0].text.startswith("[0].user: u0\n[0].note: ")


def test_json_lines_without_the_extension_are_detected() -> None:
    document = JsonParser().parse(b'{"a": 1}\n{"a": 2}\n', "dump.json")
    assert document.metadata["format"] == "jsonl"
    assert document.blocks[0].text == "[0].a: 1\n[1].a: 2"


def test_depth_is_bounded() -> None:
    data = b'{"a": ' * 10 + b"1" + b"}" * 10
    document = JsonParser(ParseLimits(max_json_depth=3)).parse(data, "deep.json")
    assert document.blocks[0].text == 'a.a.a: {"a": {"a": {"a": {"a": {"a": {"a": {"a": 1}}}}}}}'


def test_line_budget_truncates() -> None:
    data = b"[" + b",".join(b"%d" % i for i in range(100)) + b"]"
    document = JsonParser(ParseLimits(max_json_lines=10)).parse(data, "n.json")
    assert sum(b.text.count("\n") + 1 for b in document.blocks) == 10
    assert document.metadata["truncated"] == "true"


@pytest.mark.parametrize(("data", "code"), [(b"{}", "empty"), (b"[]", "empty"), (b'{"a": ', "corrupt")])
def test_bad_json(data: bytes, code: str) -> None:
    with pytest.raises(ParseError) as info:
        JsonParser().parse(data, "x.json")
    assert info.value.code == code
