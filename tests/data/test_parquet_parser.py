"""The Parquet parser: row groups with headers as searchable text, bounded; bad files are ParseErrors."""

from __future__ import annotations

import pytest

from pam.errors import ParseError
from pam.formats.limits import ParseLimits
from pam.ingest.parsers.parquet import ParquetParser
from tests.data.conftest import HANDBOOK


def test_events_parquet_becomes_table_blocks_with_headers() -> None:
    data = (HANDBOOK / "data" / "events.parquet").read_bytes()
    parsed = ParquetParser(ParseLimits(max_table_rows=100)).parse(data, "events.parquet")
    assert parsed.title == "events"
    assert parsed.metadata == {"columns": "5", "rows": "6566", "truncated": "true"}
    assert all(b.kind == "table" for b in parsed.blocks)
    assert all(
        b.text.startswith("event_time | user_id | event_name | platform | country") for b in parsed.blocks
    )


@pytest.mark.parametrize("data", [b"PAR1 this is not parquet PAR1", b"hello", b"   "])
def test_bad_parquet_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        ParquetParser().parse(data, "x.parquet")
