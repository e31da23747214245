"""The sample knowledge base in examples/handbook: files exist, parse, agree with each other and with
questions.jsonl, and the binary generator is deterministic."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import docx
import duckdb
import openpyxl
import pyarrow.parquet as pq
import pypdfium2
import pytest

from pam.evaluation.answer_cases import load_cases

ROOT = Path(__file__).resolve().parents[2]
HANDBOOK = ROOT / "examples" / "handbook"
SCRIPT = ROOT / "scripts" / "make_handbook_binaries.py"
NOT_DOCUMENTS: set[str] = set()
BINARIES = (
    "policies/data_retention_and_access_policy.pdf",
    "reports/2025_q4_metrics_review.docx",
    "tracking/tracking_plan.xlsx",
    "data/events.parquet",
)
QUALIFYING = "('board_viewed','task_created','task_completed','comment_added','file_uploaded','invite_sent')"
# One SQL query per table question; its first row, joined, must contain every expected string.
KPI = "from '{d}/kpi_targets.csv' where metric ="
EVENTS = "from '{d}/events.parquet'"
TABLE_SQL = {
    "q35": f"select target::bigint {KPI} 'wau' and quarter = '2026-Q3'",
    "q36": f"select target, owner {KPI} 'activation_rate' and quarter = '2026-Q4'",
    "q37": f"select avg(target) {KPI} 'd7_retention'",
    "q38": "select (max(target) filter (where quarter = '2026-Q4') "
    f"- max(target) filter (where quarter = '2026-Q1'))::bigint {KPI} 'dau'",
    "q39": f"select count(*) {EVENTS} where event_name = 'signup_completed' and country = 'DE'",
    "q40": f"select platform, count(*) as n {EVENTS} where event_name = 'task_created' "
    "group by 1 order by n desc limit 1",
    "q41": f"select cast(event_time as date)::varchar, count(*) as n {EVENTS} group by 1 order by n desc limit 1",
    "q42": f"select count(*) {EVENTS} where starts_with(user_id, 'test_')",
    "q51": f"select target::bigint {KPI} 'wau' and quarter = '2026-Q3'",
    "q43": f"select count(distinct user_id) {EVENTS} where cast(event_time as date) = '2026-03-10' "
    f"and event_name in {QUALIFYING} and not starts_with(user_id, 'test_')",
}


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    expected_documents: tuple[str, ...]
    expected_answer_contains: tuple[str, ...]
    kind: str
    unanswerable: bool
    history: tuple[str, ...]


def load_questions() -> list[Question]:
    questions = []
    for line in (HANDBOOK.parent / "handbook_questions.jsonl").read_text("utf-8").splitlines():
        raw = json.loads(line)
        required = {"id", "question", "expected_documents", "expected_answer_contains", "kind"}
        assert required <= set(raw) <= required | {"unanswerable", "history"}, raw
        questions.append(
            Question(
                id=str(raw["id"]),
                question=str(raw["question"]),
                expected_documents=tuple(raw["expected_documents"]),
                expected_answer_contains=tuple(raw["expected_answer_contains"]),
                kind=str(raw["kind"]),
                unanswerable=bool(raw.get("unanswerable", False)),
                history=tuple(raw.get("history", ())),
            )
        )
    return questions


def answerable(kind: str) -> list[Question]:
    return [q for q in load_questions() if q.kind == kind and not q.unanswerable]


def documents() -> list[Path]:
    return sorted(p for p in HANDBOOK.rglob("*") if p.is_file() and p.name not in NOT_DOCUMENTS)


def pdf_pages(path: Path) -> list[str]:
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def xlsx_cells(path: Path) -> dict[str, list[list[object]]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def text_of(path: Path) -> str:
    if path.suffix == ".pdf":
        return "\n".join(pdf_pages(path))
    if path.suffix == ".docx":
        return docx_text(path)
    if path.suffix == ".xlsx":
        sheets = xlsx_cells(path).values()
        return "\n".join(str(v) for rows in sheets for row in rows for v in row if v is not None)
    return path.read_text("utf-8")


def test_handbook_has_18_to_24_small_documents() -> None:
    docs = documents()
    sizes = {p.relative_to(HANDBOOK).as_posix(): p.stat().st_size for p in docs}
    assert 18 <= len(docs) <= 24, sorted(sizes)
    assert all(size < 500_000 for size in sizes.values()), sizes
    assert sum(p.stat().st_size for p in HANDBOOK.rglob("*") if p.is_file()) < 2_000_000
    assert {p.suffix for p in docs} >= {
        ".md",
        ".txt",
        ".html",
        ".json",
        ".csv",
        ".xlsx",
        ".parquet",
        ".pdf",
        ".docx",
    }


def test_pdf_has_a_text_layer_on_several_pages() -> None:
    pages = pdf_pages(HANDBOOK / BINARIES[0])
    assert len(pages) >= 2
    assert all(len(page.strip()) > 500 for page in pages)
    text = "\n".join(pages)
    for heading in ("Data Retention and Access Policy", "3. Data classification", "6.2 Erasure requests"):
        assert heading in text


def test_docx_has_headings_paragraphs_and_the_scorecard_table() -> None:
    document = docx.Document(str(HANDBOOK / BINARIES[1]))
    headings = [
        p.text for p in document.paragraphs if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert "KPI scorecard" in headings and "Data platform" in headings
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Metric", "Q4 target", "Q4 actual", "Status"]
    assert ["MAU", "185,000", "182,000", "Missed"] in [[c.text for c in row.cells] for row in table.rows]


def test_xlsx_sheet_holds_two_tables_and_a_notes_block() -> None:
    rows = xlsx_cells(HANDBOOK / BINARIES[2])["Tracking plan"]
    header_rows = [
        i for i, row in enumerate(rows) if row[:2] in (["event_name", "fires_when"], ["property", "type"])
    ]
    assert len(header_rows) == 2
    events_end = next(i for i in range(header_rows[0], len(rows)) if rows[i][0] is None)
    assert all(rows[i][0] is None for i in range(events_end, events_end + 2))  # blank rows between tables
    notes_column = [row[9] for row in rows if len(row) > 9 and row[9] is not None]
    assert notes_column[0] == "Notes" and len(notes_column) >= 5
    assert all(len(row) < 9 or row[8] is None for row in rows)  # blank column before the notes


def test_xlsx_events_match_the_markdown_tracking_plan() -> None:
    rows = xlsx_cells(HANDBOOK / BINARIES[2])["Tracking plan"]
    start = next(i for i, row in enumerate(rows) if row[0] == "event_name") + 1
    end = next(i for i in range(start, len(rows)) if rows[i][0] is None)
    markdown = text_of(HANDBOOK / "tracking/tracking_plan.md")
    events_section = markdown.split("## Events", 1)[1].split("\n## ", 1)[0]
    md_names = re.findall(r"^\| `([a-z_]+)` \|", events_section, re.M)
    assert [row[0] for row in rows[start:end]] == md_names
    assert len(md_names) == 18


def test_parquet_has_the_documented_columns_and_a_few_thousand_rows() -> None:
    table = pq.read_table(HANDBOOK / BINARIES[3])
    assert table.column_names == ["event_time", "user_id", "event_name", "platform", "country"]
    assert 2_000 <= table.num_rows <= 10_000
    with duckdb.connect() as con:
        platforms = {
            r[0] for r in con.execute(f"select distinct platform from '{HANDBOOK / BINARIES[3]}'").fetchall()
        }
        purchases = con.execute(
            f"select count(*) from '{HANDBOOK / BINARIES[3]}' where event_name = 'subscription_started' "
            "and platform <> 'web'"
        ).fetchone()
    assert platforms == {"web", "ios", "android"}
    assert purchases == (0,)  # the tracking plan says purchases are web only


def test_kpi_targets_agree_with_the_metric_pages() -> None:
    with (HANDBOOK / "data/kpi_targets.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 36 and {r["quarter"] for r in rows} == {f"2026-Q{i}" for i in range(1, 5)}
    targets = {(r["metric"], r["quarter"]): float(r["target"]) for r in rows}
    wau_mau = text_of(HANDBOOK / "metrics/wau_mau.md")
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"):
        wau, mau = int(targets[("wau", quarter)]), int(targets[("mau", quarter)])
        assert f"| {quarter} | {wau:,} | {mau:,} |" in wau_mau


def test_metric_registry_points_at_existing_definition_docs() -> None:
    registry = json.loads((HANDBOOK / "data/metric_registry.json").read_text("utf-8"))
    assert {m["metric_id"] for m in registry} >= {
        "dau",
        "wau",
        "mau",
        "activation_rate",
        "free_to_paid_conversion",
    }
    assert all((HANDBOOK / m["definition_doc"]).is_file() for m in registry)


def test_questions_are_well_formed_and_point_at_existing_files() -> None:
    questions = load_questions()
    assert len(questions) >= 28 and len({q.id for q in questions}) == len(questions)
    assert sum(q.kind == "text" for q in questions) >= 22
    assert sum(q.kind == "table" for q in questions) >= 6
    assert sum(q.unanswerable for q in questions) >= 5 and sum(bool(q.history) for q in questions) >= 5
    for q in questions:
        assert q.kind in ("text", "table") and q.question.endswith("?")
        assert all(earlier.endswith("?") for earlier in q.history)
        if q.unanswerable:
            assert not q.expected_answer_contains and not q.expected_documents, q.id
            continue
        assert 1 <= len(q.expected_answer_contains) <= 3 and q.expected_documents
        assert all((HANDBOOK / d).is_file() for d in q.expected_documents), q.id


def test_the_questions_load_with_the_evaluation_loader() -> None:
    cases = load_cases(HANDBOOK.parent / "handbook_questions.jsonl")
    assert [c.id for c in cases] == [q.id for q in load_questions()]


@pytest.mark.parametrize("question", answerable("text"), ids=lambda q: q.id)
def test_text_answer_is_stated_in_an_expected_document(question: Question) -> None:
    text = "\n".join(text_of(HANDBOOK / d) for d in question.expected_documents).lower()
    for expected in question.expected_answer_contains:
        assert expected.lower() in text, (question.id, expected)


@pytest.mark.parametrize("question", answerable("table"), ids=lambda q: q.id)
def test_table_answer_matches_the_data(question: Question) -> None:
    if question.id in TABLE_SQL:
        with duckdb.connect() as con:
            row = con.execute(TABLE_SQL[question.id].format(d=HANDBOOK / "data")).fetchone()
        assert row is not None
        answer = " ".join(str(v) for v in row)
    else:  # the spreadsheet question: deprecated events in the first table of the sheet
        rows = xlsx_cells(HANDBOOK / "tracking/tracking_plan.xlsx")["Tracking plan"]
        answer = " ".join(str(r[0]) for r in rows if len(r) > 6 and r[6] == "deprecated")
    for expected in question.expected_answer_contains:
        assert expected in answer, (question.id, answer)


def test_generator_is_deterministic_and_matches_committed_files(tmp_path: Path) -> None:
    for out in (tmp_path / "a", tmp_path / "b"):
        subprocess.run(
            [sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True, timeout=120
        )
    for name in BINARIES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    # Content, not bytes, is compared with the committed copies: library upgrades may change container bytes.
    for name in BINARIES[:3]:
        assert text_of(tmp_path / "a" / name) == text_of(HANDBOOK / name), name
    assert pq.read_table(tmp_path / "a" / BINARIES[3]).equals(pq.read_table(HANDBOOK / BINARIES[3]))
