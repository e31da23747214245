"""PDF text layer via pypdfium2: `text` blocks per paragraph, each carrying its 1-based page number.

PDFium is a process-global C library that is not thread-safe, not even across different
documents: every PDFium call runs under a lock. By default that is one lock for the whole process
(the only state this package keeps at module level, because the library itself is process-wide).
"""

from __future__ import annotations

import re
import threading

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pam.errors import ParseError
from pam.formats.limits import Deadline, ParseLimits, check_input
from pam.formats.titles import pick_title
from pam.ingest.parsers.base import Block, ParsedDocument
from pam.ingest.parsers.paragraphs import split_paragraphs

# Process-wide on purpose: two registries (two apps in one process) must not call PDFium at once.
_PDFIUM_LOCK = threading.Lock()
_PASSWORD_ERRORS = frozenset({pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY})
# PDFium marks soft hyphens and line-end hyphenation with control characters; drop them like
# the other controls, keeping tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _page_text(pdf: pdfium.PdfDocument, index: int) -> str:
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            raw = textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        page.close()
    return _CONTROL.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))


class PdfParser:
    extensions: tuple[str, ...] = (".pdf",)
    mime_type: str = "application/pdf"
    mime_types: tuple[str, ...] = (mime_type,)

    def __init__(self, limits: ParseLimits | None = None, lock: threading.Lock | None = None) -> None:
        self._limits = limits or ParseLimits()
        self._lock = lock or _PDFIUM_LOCK

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        check_input(data, self._limits)
        deadline = Deadline(self._limits.max_seconds)
        with self._lock:
            pdf = self._open(data)
            try:
                return self._read(pdf, filename, deadline)
            except ParseError:
                raise
            except Exception as exc:  # PDFium errors on damaged pages, decoding errors in metadata
                raise ParseError("PDF is damaged: a page could not be read", code="corrupt") from exc
            finally:
                pdf.close()

    @staticmethod
    def _open(data: bytes) -> pdfium.PdfDocument:
        try:
            return pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if exc.err_code in _PASSWORD_ERRORS:
                raise ParseError("PDF is password protected", code="encrypted") from exc
            raise ParseError("not a readable PDF file", code="corrupt") from exc

    def _read(self, pdf: pdfium.PdfDocument, filename: str, deadline: Deadline) -> ParsedDocument:
        page_count = len(pdf)
        if page_count > self._limits.max_pdf_pages:
            raise ParseError(f"PDF has more than {self._limits.max_pdf_pages} pages", code="too_large")
        blocks: list[Block] = []
        for index in range(page_count):
            deadline.check()
            for para in split_paragraphs(_page_text(pdf, index)):
                if len(blocks) >= self._limits.max_blocks:
                    raise ParseError(f"more than {self._limits.max_blocks} blocks", code="too_large")
                blocks.append(Block("text", para, page=index + 1))
        if not blocks:
            raise ParseError("PDF has no text layer (scanned images need OCR)", code="empty")
        info = pdf.get_metadata_dict(skip_empty=True)
        title = pick_title(info.get("Title"), filename=filename)
        return ParsedDocument(
            title=title, blocks=blocks, mime_type=self.mime_type, metadata={"pages": str(page_count)}
        )
