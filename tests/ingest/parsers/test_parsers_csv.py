from __future__ import annotations

from pam.ingest.parsers import CsvParser, ParseLimits


def test_row_groups_repeat_the_header() -> None:
    data = b"name;amount;note\n" + b"".join(b'n%d;%d;"a;b"\n' % (i, i) for i in range(7))
    document = CsvParser(ParseLimits(rows_per_group=3)).parse(data, "sales.csv")
    texts = [b.text for b in document.blocks]
    assert texts == [
        "name | amount | note\nn0 | 0 | a;b\nn1 | 1 | a;b\nn2 | 2 | a;b",
        "name | amount | note\nn3 | 3 | a;b\nn4 | 4 | a;b\nn5 | 5 | a;b",
        "name | amount | note\nn6 | 6 | a;b",
    ]
    assert {b.kind for b in document.blocks} == {"table"}
    assert document.metadata == {"delimiter": "semicolon", "columns": "3", "rows": "7", "truncated": "false"}


def test_groups_are_bounded_by_characters() -> None:
    data = b"id,text\n" + b"".join(b"%d,%s\n" % (i, b"w" * 100) for i in range(20))
    document = CsvParser(ParseLimits(group_chars=300)).parse(data, "long.csv")
    assert all(len(b.text) <= 300 for b in document.blocks)
    assert all(b.text.startswith("id | text\n") for b in document.blocks)
    assert sum(b.text.count("\n") for b in document.blocks) == 20


def test_tsv_and_truncation() -> None:
    data = b"a\tb\n" + b"1\t2\n" * 50
    document = CsvParser(ParseLimits(max_table_rows=10)).parse(data, "x.TSV")
    assert document.mime_type == "text/tab-separated-values"
    assert document.metadata["truncated"] == "true"
    assert document.metadata["rows"] == "10"
    assert sum(b.text.count("1 | 2") for b in document.blocks) == 10


def test_header_only_and_pipe_delimiter() -> None:
    document = CsvParser().parse(b"\n\nkey|value\n", "h.csv")
    assert [b.text for b in document.blocks] == ["key | value"]
    assert document.metadata["delimiter"] == "pipe"
