"""Real files of every format a parser reads, the seeds the fuzz tests mutate.

Each is small (a few KiB) and made by the library that writes the format (fpdf2, python-docx,
openpyxl, DuckDB) or written out by hand for the text formats, and each exercises what its parser
does beyond the plain case: front matter, tables, code, nesting, several pages or sheets, merged
cells, dates, legacy encodings. PDFs are written uncompressed so byte mutations reach the text
operators instead of only breaking a deflate stream.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import tempfile
from pathlib import Path

import docx
import duckdb
import openpyxl
from fpdf import FPDF

MARKDOWN = [
    b"---\ntitle: Deploy runbook\ntags: [ops, deploy]\n---\n# Deploys\n\nShip on weekdays.\n\n"
    b"## Steps\n\n1. Tag the release\n2. Run `make deploy`\n\n```bash\nmake deploy ENV=prod\n```\n\n"
    b"| Step | Owner |\n|---|---|\n| tag | release captain |\n| deploy | on-call |\n\n> Note: never on Fridays.\n",
    "# Caf\u00e9 notes\n\nSetext heading\n==============\n\n* nested\n  * list \u2603\n\n"
    "<div>inline <b>html</b></div>\n\n[link](http://example.invalid) and ![img](a.png)\n".encode(),
]
TEXT = [
    b"Quarterly planning notes.\r\n\r\nThe kestrel migration starts in May.\r\nOwners: platform.\r\n",
    "Le menu du caf\u00e9: cr\u00e8me br\u00fbl\u00e9e et th\u00e9 glac\u00e9.\n\nDeuxi\u00e8me paragraphe.\n".encode(
        "cp1252"
    ),
    "\u6771\u4eac \u306e \u5009\u5eab \u306f \u6708\u66dc\u65e5 \u304b\u3089 \u55b6\u696d\u3002\n".encode(
        "utf-16"
    ),
]
HTML = [
    b"<!DOCTYPE html><html><head><title>Metrics</title><style>p{color:red}</style>"
    b"<script>var x = '<p>not text</p>';</script></head><body><nav>menu</nav><h1>MRR</h1>"
    b"<p>Monthly <em>recurring</em> revenue &amp; churn.</p><h2>Table</h2><table><tr><th>Metric</th>"
    b"<th>Target</th></tr><tr><td>MRR</td><td>100</td></tr></table><ul><li>one<ul><li>two</li></ul></li>"
    b"</ul><pre><code>SELECT 1;</code></pre></body></html>",
    b"<html><body>"
    + b"<div>" * 40
    + b"<p>Deep paragraph.</p>"
    + b"</div>" * 40
    + b"<p>Tail &#x2603; &bogus;",
]
CSV = [
    b'metric,value,note\nmrr,100,"monthly, recurring"\nchurn,2.5,"say ""hi"""\n,,\nnps,41,\n',
    b"region;revenue;date\nnorth;1.234,5;2024-01-31\nsouth;987;2024-02-29\n",
]
TSV = [b"metric\tvalue\nmrr\t100\nchurn\t2\n\t\nlong\t" + b"x" * 300 + b"\n"]
JSON = [
    b'{"title": "Metrics", "metric": {"name": "MRR", "owner": "finance", "targets": [100, 120.5, null]},'
    b' "flags": [true, false], "nested": {"a": {"b": {"c": [{"d": "deep"}]}}}, "empty": {}, "list": []}',
    b'[{"id": 1, "name": "signup"}, {"id": 2, "name": "login", "tags": ["web", "mobile"]}, "loose", 3]',
]
JSONL = [b'{"event": "signup", "user": 1}\n{"event": "login", "user": 1}\n\n{"event": "logout"}\n[1, 2]\n']
EXTENSIONLESS = [b"# Owners of the wiki\n/engineering/ @platform-team\n", b"Notes\n\nSecond paragraph.\n"]


def pdf(pages: list[str], *, title: str = "") -> bytes:
    document = FPDF()
    document.set_compression(False)
    if title:
        document.set_title(title)
    for text in pages:
        document.add_page()
        document.set_font("helvetica", size=12)
        if text:
            document.multi_cell(0, 8, text)
        else:
            document.rect(20, 20, 80, 60, style="F")
    return bytes(document.output())


def docx_file() -> bytes:
    document = docx.Document()
    document.core_properties.title = "Churn runbook"
    document.add_heading("Churn runbook", level=1)
    document.add_paragraph("Run the churn job every Monday.")
    table = document.add_table(rows=4, cols=3)
    for r, (metric, owner) in enumerate([("Metric", "Owner"), ("MRR", "Finance"), ("Churn", "Growth")]):
        table.cell(r, 0).text = metric
        table.cell(r, 1).text = owner
    table.cell(0, 1).merge(table.cell(0, 2))  # a horizontal span (w:gridSpan)
    table.cell(1, 2).merge(table.cell(3, 2))  # a vertical one (w:vMerge)
    table.cell(3, 0).text = "NPS"
    document.add_paragraph("Escalate to the data team.", style="List Bullet")
    document.add_heading("Deep detail", level=3)
    document.add_paragraph("Closing notes.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_file() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Revenue"
    sheet.append(["Month", "MRR", "Booked"])
    sheet.append(["January", 1000.0, dt.datetime(2024, 1, 31)])
    sheet.append(["February", 1234.5, None])
    sheet.append(["Total", "=SUM(B2:B3)", dt.date(2024, 3, 1)])
    sheet.merge_cells("A6:C6")
    sheet["A6"] = "Merged note across the table"
    notes = workbook.create_sheet("Notes")
    notes["A1"] = "Topic"
    notes["A2"] = "Pricing changed in March"
    notes["C5"] = 3.25
    workbook.create_sheet("Blank")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def parquet_file() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "sample.parquet"
        with duckdb.connect() as conn:
            conn.execute(
                "COPY (SELECT * FROM (VALUES ('mrr', 100, 1.5::DOUBLE, DATE '2024-01-31', [1, 2], "
                "{'k': 'v'}), ('churn', 2, NULL, DATE '2024-02-29', [], {'k': NULL})) "
                f"t(metric, value, ratio, day, list, struct)) TO '{target}' (FORMAT parquet)"
            )
        return target.read_bytes()


@functools.cache
def seeds() -> dict[str, tuple[bytes, ...]]:
    """Seed files by the file name each is parsed as (the name picks the parser and its mode)."""
    return {
        "page.md": tuple(MARKDOWN),
        "notes.txt": tuple(TEXT),
        "page.html": tuple(HTML),
        "report.pdf": (
            pdf(["Revenue grew in the first quarter.", "", "Churn fell to two percent."], title="Q1"),
            pdf(["A single page with a longer paragraph about the saltmarsh survey. " * 6]),
        ),
        "runbook.docx": (docx_file(),),
        "data.csv": tuple(CSV),
        "data.tsv": tuple(TSV),
        "book.xlsx": (xlsx_file(),),
        "data.json": tuple(JSON),
        "events.jsonl": tuple(JSONL),
        "table.parquet": (parquet_file(),),
        "NOTES": tuple(EXTENSIONLESS),
    }
