"""DOCX via python-docx: headings from "Heading N"/"Title" styles, paragraphs, list items, and tables
(header row first), all in document order. The zip container is checked for bombs before
python-docx inflates anything.
"""

from __future__ import annotations

import io
import re

import docx
from docx.document import Document as DocxDocument
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from pam.errors import ParseError
from pam.formats.limits import Deadline, ParseLimits, check_input
from pam.formats.titles import pick_title
from pam.formats.zip_guard import check_office_container
from pam.ingest.parsers.base import Block, ParsedDocument
from pam.ingest.parsers.table_text import render_table

_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
_LIST_STYLE = re.compile(r"^list", re.IGNORECASE)


def style_names(document: DocxDocument) -> dict[str, str]:
    """Style id to style name, read once: python-docx resolves `paragraph.style` by scanning all styles."""
    names: dict[str, str] = {}
    for style in document.styles:
        if style.style_id:
            names[style.style_id] = style.name or ""
    return names


def _paragraph_block(paragraph: Paragraph, names: dict[str, str]) -> Block | None:
    text = paragraph.text.strip()
    if not text:
        return None
    style_id = paragraph._p.style  # None means the default paragraph style: body text
    style = names.get(style_id, style_id) if style_id else ""
    heading = _HEADING_STYLE.match(style)
    if heading:
        return Block("heading", " ".join(text.split()), level=int(heading.group(1)))
    if style.lower() == "title":
        return Block("heading", " ".join(text.split()), level=1)
    if _LIST_STYLE.match(style):
        return Block("text", "- " + text)
    return Block("text", text)


def _table_rows(table: Table) -> list[list[str]]:
    """Cell texts row by row, a horizontally merged cell once, a vertically merged one in each row.

    Read from the row's own cells, not python-docx's `row.cells`: that yields a cell once per grid
    column it spans, so `<w:gridSpan w:val="100000000"/>` (a few bytes) meant 10^8 steps and ~1 GB.
    """
    rows: list[list[str]] = []
    above: dict[int, str] = {}  # grid column -> text of the cell starting there in the row above
    for tr in table._tbl.tr_lst:
        cells: list[str] = []
        here: dict[int, str] = {}
        column = tr.grid_before
        for tc in tr.tc_lst:
            # A vertical merge continues the cell above (the continuing cell holds no content).
            text = above.get(column, "") if tc.vMerge == "continue" else _Cell(tc, table).text
            cells.append(text)
            here[column] = text
            column += tc.grid_span
        rows.append(cells)
        above = here
    return rows


class DocxParser:
    extensions: tuple[str, ...] = (".docx",)
    mime_type: str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    mime_types: tuple[str, ...] = (mime_type,)

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self._limits = limits or ParseLimits()

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        check_input(data, self._limits)
        deadline = Deadline(self._limits.max_seconds)
        check_office_container(data, self._limits, kind="DOCX")
        try:
            document = docx.Document(io.BytesIO(data))
            blocks, first_title = self._blocks(document, deadline)
            core_title = document.core_properties.title
        except ParseError:
            raise
        except Exception as exc:  # python-docx/lxml/zipfile raise many types on malformed input
            raise ParseError("not a readable DOCX file", code="corrupt") from exc
        if not blocks:
            raise ParseError("document has no text", code="empty")
        return ParsedDocument(
            title=pick_title(core_title, first_title, filename=filename),
            blocks=blocks,
            mime_type=self.mime_type,
        )

    def _blocks(self, document: DocxDocument, deadline: Deadline) -> tuple[list[Block], str | None]:
        blocks: list[Block] = []
        first_title: str | None = None
        names = style_names(document)
        for item in document.iter_inner_content():
            if len(blocks) % 256 == 0:
                deadline.check()
            if isinstance(item, Paragraph):
                block = _paragraph_block(item, names)
            else:
                text = render_table(_table_rows(item))
                block = Block("table", text) if text else None
            if block is None:
                continue
            if block.kind == "heading" and block.level == 1 and first_title is None:
                first_title = block.text
            if len(blocks) >= self._limits.max_blocks:
                raise ParseError(f"more than {self._limits.max_blocks} blocks", code="too_large")
            blocks.append(block)
        return blocks, first_title
