"""Sample files for the parser tests, built in memory by the libraries that write each format."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import docx
import openpyxl
import pytest
from fpdf import FPDF


def build_pdf(pages: list[str], *, title: str = "", user_password: str | None = None) -> bytes:
    """A PDF with one text page per entry; an empty entry draws a shape but no text."""
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        if text:
            pdf.multi_cell(0, 8, text)
        else:
            pdf.rect(20, 20, 80, 60, style="F")
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    return bytes(pdf.output())


def build_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Churn runbook", level=1)
    document.add_paragraph("Run the churn job every Monday.")
    document.add_heading("Owners", level=2)
    table = document.add_table(rows=3, cols=2)
    for r, (metric, owner) in enumerate([("Metric", "Owner"), ("MRR", "Finance"), ("Churn", "Growth")]):
        table.cell(r, 0).text = metric
        table.cell(r, 1).text = owner
    document.add_paragraph("Escalate to the data team.", style="List Bullet")
    document.add_heading("Deep detail", level=3)
    document.add_paragraph("Closing notes.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def build_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Revenue"
    sheet.append(["Month", "MRR", "Booked"])
    sheet.append(["January", 1000.0, dt.datetime(2024, 1, 31)])
    sheet.append(["February", 1234.5, None])
    notes = workbook.create_sheet("Notes")
    notes["A1"] = "Topic"
    notes["A2"] = "Pricing changed in March"
    workbook.create_sheet("Blank")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def build_parquet() -> bytes:
    import tempfile
    from pathlib import Path

    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "sample.parquet"
        with duckdb.connect() as conn:
            conn.execute(
                f"COPY (SELECT 'mrr' AS metric, 100 AS value UNION ALL SELECT 'churn', 2) TO '{target}' (FORMAT parquet)"
            )
        return target.read_bytes()


def valid_samples() -> dict[str, bytes]:
    """One small valid file per supported extension."""
    markdown = b"# Metrics\n\nMRR is monthly recurring revenue.\n"
    html = b"<html><head><title>Metrics</title></head><body><h1>MRR</h1><p>Monthly revenue.</p></body></html>"
    return {
        ".md": markdown,
        ".markdown": markdown,
        ".mdown": markdown,
        ".mkd": markdown,
        ".txt": b"Plain notes about revenue.\n\nSecond paragraph.\n",
        ".text": b"Plain notes about churn.\n",
        ".log": b"2024-01-01 12:00:00 job started\n",
        ".html": html,
        ".htm": html,
        ".xhtml": html,
        ".pdf": build_pdf(["Revenue grew in the first quarter."]),
        ".docx": build_docx(),
        ".csv": b"metric,value\nmrr,100\nchurn,2\n",
        ".tsv": b"metric\tvalue\nmrr\t100\n",
        ".xlsx": build_xlsx(),
        ".xlsm": build_xlsx(),
        ".json": b'{"metric": {"name": "MRR", "owner": "finance"}}',
        ".jsonl": b'{"event": "signup"}\n{"event": "login"}\n',
        ".ndjson": b'{"event": "signup"}\n',
        ".parquet": build_parquet(),
    }


@pytest.fixture
def samples() -> dict[str, bytes]:
    return valid_samples()


@pytest.fixture
def make_pdf() -> Callable[..., bytes]:
    return build_pdf


@pytest.fixture
def make_docx() -> Callable[[], bytes]:
    return build_docx


@pytest.fixture
def make_xlsx() -> Callable[[], bytes]:
    return build_xlsx
