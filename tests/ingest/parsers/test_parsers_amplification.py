"""Office files of a few KiB whose XML names a huge area: each cost minutes or gigabytes before the fix.

One regression test per finding of the parser fuzzing work (tests/ingest/fuzz): a parse must cost
what the file holds, not what it claims to span. Each runs under the fuzz suite's bounds (a
wall-clock limit and a peak of traced Python memory), so a regression fails fast instead of
exhausting the machine.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import docx
import openpyxl
import pytest
from tests.ingest.fuzz.bounds import Cost, measured

from pam.errors import ParseError
from pam.formats.sheet_regions import workbook_regions
from pam.ingest.parsers import DocxParser, ParsedDocument, ParseLimits, XlsxParser

MIB = 1024 * 1024
SECONDS = 30.0  # each case took 0.0-1.1 s after the fix; 7-200 s (or never ended) before
PEAK_BYTES = 64 * MIB


def rewritten(data: bytes, member: str, edit: Callable[[bytes], bytes]) -> bytes:
    """The zip `data` with one member's bytes edited (checksums stay valid)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info.filename, edit(body) if info.filename == member else body)
    return out.getvalue()


def bounded(call: Callable[[], ParsedDocument]) -> ParsedDocument:
    cost = Cost()
    document = measured(call, cost, seconds=SECONDS)
    assert cost.peak_bytes < PEAK_BYTES, cost
    return document


def workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Revenue"
    for row in (["Month", "MRR"], ["January", 1000], ["February", 1234]):
        sheet.append(row)
    sheet["A6"] = "A note merged across three columns"
    sheet.merge_cells("A6:C6")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def with_far_cell(data: bytes) -> bytes:
    """A cell at the sheet's last row and column (XFD1048576), and no <dimension> to trust."""

    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb"<dimension [^>]*/>", b"", xml)
        far = b'<row r="1048576"><c r="XFD1048576" t="n"><v>7</v></c></row>'
        return xml.replace(b"</sheetData>", far + b"</sheetData>")

    return rewritten(data, SHEET, edit)


def with_merged(data: bytes, ref: bytes) -> bytes:
    return rewritten(data, SHEET, lambda xml: xml.replace(b'ref="A6:C6"', b'ref="' + ref + b'"'))


def table_text(document: ParsedDocument) -> str:
    return "\n".join(b.text for b in document.blocks if b.kind == "table")


def test_a_merged_range_over_the_whole_sheet_is_not_expanded() -> None:
    # Finding: openpyxl made one MergedCell per merged cell, so <mergeCell ref="A1:XFD1048576"/>
    # (17 billion cells) never finished; A6:Z200000 took 196 s and 2.7 GB.
    data = with_merged(workbook(), b"A1:XFD1048576")
    with pytest.raises(ParseError) as info:
        workbook_regions(data)
    assert info.value.code == "too_large"
    document = bounded(lambda: XlsxParser().parse(data, "revenue.xlsx"))
    assert "January | 1000" in table_text(document)  # read row by row instead


def test_a_modest_merged_range_still_reads_as_regions() -> None:
    document = bounded(lambda: XlsxParser().parse(with_merged(workbook(), b"A6:C9"), "revenue.xlsx"))
    assert "January | 1000" in table_text(document)
    assert any(b.kind == "text" and "merged across three" in b.text for b in document.blocks)


def test_a_cell_at_the_last_row_and_column_costs_only_the_cells_there_are() -> None:
    # Finding: the region reader built a dense grid up to the far cell (5 million cells, every one
    # created by openpyxl): 36 s and 1.3 GB for a 6 KB file.
    document = bounded(lambda: XlsxParser().parse(with_far_cell(workbook()), "revenue.xlsx"))
    assert "January | 1000" in table_text(document)


def test_a_far_row_in_a_streamed_workbook_is_reached_without_walking_every_row() -> None:
    # Finding: read row by row, openpyxl fills the gap before row 1048576 with empty rows and each
    # was rendered 512 cells wide: 59 s, stopped only by the parse deadline. Here the merged range
    # sends the workbook to the streaming reader.
    data = with_merged(with_far_cell(workbook()), b"A1:XFD1048576")
    parser = XlsxParser(ParseLimits(max_seconds=SECONDS))  # a timeout would be a ParseError here
    # Time only: traced, the million (now cheap) gap rows take twenty times as long.
    document = measured(
        lambda: parser.parse(data, "revenue.xlsx"), Cost(), seconds=SECONDS, trace_memory=False
    )
    assert "January | 1000" in table_text(document)


def merged_table_docx(rows: int) -> bytes:
    document = docx.Document()
    document.add_paragraph("Owners of each metric.")
    table = document.add_table(rows=2, cols=2)
    for r, (metric, owner) in enumerate([("Metric", "Owner"), ("MRR", "Finance")]):
        table.cell(r, 0).text = metric
        table.cell(r, 1).text = owner
    out = io.BytesIO()
    document.save(out)

    def edit(xml: bytes) -> bytes:
        _header, body = re.findall(rb"<w:tr\b.*?</w:tr>", xml, re.DOTALL)
        # Every row after the first continues a vertical merge of its first cell.
        continued = body.replace(b"<w:tc><w:tcPr>", b"<w:tc><w:tcPr><w:vMerge/>", 1)
        return xml.replace(body, continued * rows)

    return rewritten(out.getvalue(), "word/document.xml", edit)


def test_a_cell_spanning_a_hundred_million_columns_is_read_once() -> None:
    # Finding: python-docx's row.cells yields a cell once per grid column it spans:
    # <w:gridSpan w:val="100000000"/> took 7 s and ~900 MB (2 billion: out of memory).
    def edit(xml: bytes) -> bytes:
        return xml.replace(b"<w:tc><w:tcPr>", b'<w:tc><w:tcPr><w:gridSpan w:val="100000000"/>', 1)

    data = rewritten(merged_table_docx(1), "word/document.xml", edit)
    document = bounded(lambda: DocxParser().parse(data, "owners.docx"))
    assert table_text(document) == "Metric | Owner\nMetric | Finance"


def test_a_long_vertical_merge_is_read_in_one_pass() -> None:
    # Finding: python-docx resolves each continued cell by walking up through every row above:
    # 900 continued rows took 76 s (over ~1000 the recursion failed and the file was "corrupt").
    document = bounded(lambda: DocxParser().parse(merged_table_docx(2000), "owners.docx"))
    lines = table_text(document).splitlines()
    assert lines[0] == "Metric | Owner" and len(lines) == 2001
    assert set(lines[1:]) == {"Metric | Finance"}  # the merged cell's text in every row it spans
