"""A sheet holding two tables and a notes block is read as two tables and one searchable notes segment."""

from __future__ import annotations

import io

import openpyxl

from pam.embed.fake import DeterministicEmbedder
from pam.ingest.chunker import StructureChunker
from pam.ingest.parsers.xlsx import XlsxParser


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Plan"
    for row in (
        ["Region", "Target", "Owner"],
        ["EMEA", 120, "Lena"],
        ["APAC", 90, "Kenji"],
        ["AMER", 150, "Rosa"],
    ):
        sheet.append(row)
    sheet.append([])
    sheet.append([])
    for row in (["Channel", "Budget"], ["Search", 4000], ["Social", 2500]):
        sheet.append(row)
    sheet["F1"] = "Notes"
    sheet["F2"] = "Targets were agreed in the January planning review and are revisited every quarter."
    sheet["F3"] = "Budgets exclude agency fees, which are tracked by finance separately."
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_two_tables_and_notes_become_separate_blocks() -> None:
    parsed = XlsxParser().parse(_workbook(), "plan.xlsx")
    tables = [b for b in parsed.blocks if b.kind == "table"]
    notes = [b for b in parsed.blocks if b.kind == "text"]
    assert len(tables) == 2
    assert tables[0].text.splitlines()[0].lower().startswith("region")
    assert tables[1].text.splitlines()[0].lower().startswith("channel")
    assert len(notes) == 1 and "agency fees" in notes[0].text


def test_the_notes_are_one_searchable_segment_of_their_own() -> None:
    embedder = DeterministicEmbedder()
    chunks = StructureChunker.for_embedder(embedder).chunk(XlsxParser().parse(_workbook(), "plan.xlsx"))
    notes = [c for c in chunks if "agency fees" in c.content]
    assert len(notes) == 1
    assert notes[0].segment_type == "text"
    assert "Region" not in notes[0].content and "Channel" not in notes[0].content
