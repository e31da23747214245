from __future__ import annotations

import io
from collections.abc import Callable

import docx

from pam.ingest.parsers import Block, DocxParser


def test_document_order_headings_and_tables(make_docx: Callable[[], bytes]) -> None:
    document = DocxParser().parse(make_docx(), "runbook.docx")
    assert document.blocks == [
        Block("heading", "Churn runbook", level=1),
        Block("text", "Run the churn job every Monday."),
        Block("heading", "Owners", level=2),
        Block("table", "Metric | Owner\nMRR | Finance\nChurn | Growth"),
        Block("text", "- Escalate to the data team."),
        Block("heading", "Deep detail", level=3),
        Block("text", "Closing notes."),
    ]
    assert document.title == "Churn runbook"


def test_core_title_and_merged_cells() -> None:
    source = docx.Document()
    source.core_properties.title = "Pricing\tpolicy"
    source.add_paragraph("Intro text.")
    table = source.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "Plans"
    for col, value in enumerate(["Free", "Pro", "Team"]):
        table.cell(1, col).text = value
    out = io.BytesIO()
    source.save(out)
    document = DocxParser().parse(out.getvalue(), "p.docx")
    assert document.title == "Pricing policy"
    assert document.blocks[-1] == Block("table", "Plans\nFree | Pro | Team")
