from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl

from pam.ingest.parsers import Block, ParseLimits, XlsxParser


def test_every_sheet_gets_a_heading_and_tables(make_xlsx: Callable[[], bytes]) -> None:
    document = XlsxParser().parse(make_xlsx(), "finance.xlsx")
    assert document.blocks == [
        Block("heading", "Revenue", level=1),
        Block("table", "Month | MRR | Booked\nJanuary | 1000 | 2024-01-31\nFebruary | 1234.5"),
        # A one-column block has no table shape: it is read as notes text.
        Block("heading", "Notes", level=1),
        Block("heading", "Notes", level=2),
        Block("text", "Topic\nPricing changed in March"),
    ]
    assert document.metadata == {"sheets": "3", "rows": "2", "truncated": "false"}
    assert document.title == "finance"


def test_groups_repeat_header_and_rows_are_bounded() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "formula"])
    for i in range(1, 31):
        sheet.append([i, f"=A{i + 1}*2"])
    out = io.BytesIO()
    workbook.save(out)
    limits = ParseLimits(rows_per_group=10, max_table_rows=20)
    document = XlsxParser(limits).parse(out.getvalue(), "f.xlsx")
    tables = [b.text for b in document.blocks if b.kind == "table"]
    assert len(tables) == 2
    assert all(t.startswith("id | formula\n") for t in tables)
    assert document.metadata["truncated"] == "true"
    # openpyxl never computes formulas: without cached values only the ids remain.
    assert tables[0].split("\n")[1] == "1"
