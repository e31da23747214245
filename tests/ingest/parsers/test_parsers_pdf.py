from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from pam.ingest.parsers import PdfParser


def test_pages_are_kept(make_pdf: Callable[..., bytes]) -> None:
    data = make_pdf(
        ["Revenue grew 12% in Q1.", "", "Churn fell to 2%.\nNet retention was 110%."], title="Q1 / results"
    )
    document = PdfParser().parse(data, "q1.pdf")
    assert [(b.page, b.text) for b in document.blocks] == [
        (1, "Revenue grew 12% in Q1."),
        (3, "Churn fell to 2%.\nNet retention was 110%."),
    ]
    assert document.title == "Q1 - results"
    assert document.metadata["pages"] == "3"
    assert document.mime_type == "application/pdf"


def test_title_falls_back_to_file_stem(make_pdf: Callable[..., bytes]) -> None:
    assert PdfParser().parse(make_pdf(["text"]), "reports/annual-2024.pdf").title == "annual-2024"


def test_threads_share_one_parser_safely(make_pdf: Callable[..., bytes]) -> None:
    # PDFium is not thread-safe; the parser serialises its calls.
    parser = PdfParser()
    data = [make_pdf([f"Document number {i}."]) for i in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(lambda d: parser.parse(d, "x.pdf").blocks[0].text, data))
    assert texts == [f"Document number {i}." for i in range(8)]
