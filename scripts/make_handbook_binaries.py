"""Regenerate the binary files of the sample knowledge base in examples/handbook/.

Writes, deterministically (fixed seed, fixed metadata dates, fixed zip timestamps):
  policies/data_retention_and_access_policy.pdf   from examples/handbook_src/*.md (fpdf2)
  reports/2025_q4_metrics_review.docx             from examples/handbook_src/*.md (python-docx)
  tracking/tracking_plan.xlsx                     from the tables in tracking/tracking_plan.md (openpyxl)
  data/events.parquet                             synthetic product events, seed 20260302 (pyarrow)

Usage: python scripts/make_handbook_binaries.py [--out DIR]   (default: examples/handbook)
"""

from __future__ import annotations

import argparse
import io
import random
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from docx.shared import Pt
from fpdf import FPDF
from openpyxl.styles import Font

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "examples" / "handbook_src"
HANDBOOK = ROOT / "examples" / "handbook"
FIXED_DATE = datetime(2026, 2, 20, 9, 0, 0, tzinfo=UTC)
ZIP_DATE = (2026, 2, 20, 9, 0, 0)
EVENTS_SEED = 20260302


@dataclass(frozen=True)
class Block:
    kind: str  # title | h2 | h3 | para | bullet | table
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


def split_row(line: str) -> tuple[str, ...]:
    return tuple(cell.strip() for cell in line.strip().strip("|").split("|"))


def parse_blocks(text: str) -> list[Block]:
    """A small Markdown subset: #/##/### headings, paragraphs, '- ' bullets and pipe tables."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line:
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                if not re.fullmatch(r"\|[\s:|-]+\|", lines[i].strip()):
                    rows.append(split_row(lines[i]))
                i += 1
            blocks.append(Block("table", rows=tuple(rows)))
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            blocks.append(Block({1: "title", 2: "h2"}.get(level, "h3"), line.lstrip("#").strip()))
            i += 1
        elif line.startswith("- "):
            blocks.append(Block("bullet", line[2:].strip()))
            i += 1
        else:
            para = [line]
            i += 1
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("#", "|", "- ")):
                para.append(lines[i].strip())
                i += 1
            blocks.append(Block("para", " ".join(para)))
    return blocks


def latin1(text: str) -> str:
    # fpdf2's core fonts are Latin-1 only; keep the text layer searchable with plain ASCII punctuation.
    replacements = {"–": "-", "—": "-", "’": "'", "“": '"', "”": '"', "…": "...", "→": "->"}
    for bad, good in replacements.items():
        text = text.replace(bad, good)
    return text.encode("latin-1", "replace").decode("latin-1")


class PolicyPdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(
            0, 6, f"Northwind Labs - Data Retention and Access Policy v2.1 - page {self.page_no()}", align="C"
        )


def write_pdf(blocks: list[Block], path: Path) -> None:
    pdf = PolicyPdf(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title("Data Retention and Access Policy")
    pdf.set_author("Priya Raman")
    pdf.set_subject("Northwind Labs data retention and access, version 2.1")
    pdf.set_creator("scripts/make_handbook_binaries.py")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    for block in blocks:
        if block.kind == "title":
            pdf.set_font("Helvetica", style="B", size=18)
            pdf.multi_cell(0, 10, latin1(block.text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif block.kind in ("h2", "h3"):
            pdf.ln(3)
            pdf.set_font("Helvetica", style="B", size=14 if block.kind == "h2" else 12)
            pdf.multi_cell(0, 8, latin1(block.text), new_x="LMARGIN", new_y="NEXT")
        elif block.kind == "table":
            pdf.set_font("Helvetica", size=9)
            with pdf.table(text_align="LEFT", line_height=5) as table:
                for cells in block.rows:
                    row = table.row()
                    for cell in cells:
                        row.cell(latin1(cell))
            pdf.ln(3)
        else:
            pdf.set_font("Helvetica", size=11)
            prefix = "-  " if block.kind == "bullet" else ""
            pdf.multi_cell(0, 6, latin1(prefix + block.text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.output(str(path))


def normalize_zip(data: bytes) -> bytes:
    """Rewrite an OOXML zip with fixed member timestamps and fixed core.xml dates, for byte-stable output."""
    out = io.BytesIO()
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*", rf"\g<1>{stamp}", text)
                content = text.encode("utf-8")
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(member, content)
    return out.getvalue()


def write_docx(blocks: list[Block], path: Path) -> None:
    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.last_modified_by = "2025-Q4 Metrics Review", "Aiko Tanaka", "Priya Raman"
    props.created = props.modified = FIXED_DATE.replace(tzinfo=None)
    props.revision = 3
    document.styles["Normal"].font.size = Pt(11)
    for block in blocks:
        if block.kind == "title":
            document.add_heading(block.text, level=0)
        elif block.kind in ("h2", "h3"):
            document.add_heading(block.text, level=1 if block.kind == "h2" else 2)
        elif block.kind == "table":
            table = document.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            table.style = "Table Grid"
            for r, cells in enumerate(block.rows):
                for c, cell in enumerate(cells):
                    table.cell(r, c).text = cell
                    if r == 0:
                        table.cell(r, c).paragraphs[0].runs[0].bold = True
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        else:
            document.add_paragraph(block.text)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(normalize_zip(buffer.getvalue()))


def md_table_after(text: str, heading: str) -> list[tuple[str, ...]]:
    """Rows (header first) of the first pipe table under a '## heading', backticks removed."""
    section = text.split(f"## {heading}", 1)[1]
    table = next(b for b in parse_blocks(section) if b.kind == "table")
    return [tuple(cell.replace("`", "") for cell in row) for row in table.rows]


EVENTS_HEADER = (
    "event_name",
    "fires_when",
    "key_properties",
    "platforms",
    "owner_squad",
    "since",
    "status",
    "replaced_by",
)
NOTES = (
    "Notes",
    "Source of truth: tracking/tracking_plan.md (version 2026.2, 2026-02-20). Owner: Lena Hoffmann.",
    "Status values: active, proposed, deprecated.",
    "Deprecated events stay in the schema for at least one full quarter after the replacement ships.",
    "Proposed, not yet in the schema: widget_viewed (iOS home-screen widget; decision at the June 2026 "
    "metrics sync).",
    "Purchase events (trial_started, subscription_started, subscription_cancelled) are web only.",
    "Metric events (DAU/WAU/MAU): board_viewed, task_created, task_completed, comment_added, file_uploaded, "
    "invite_sent.",
    "Questions: #data-help",
)


def write_tracking_xlsx(plan_md: str, path: Path) -> None:
    events = md_table_after(plan_md, "Events")[1:]
    props = md_table_after(plan_md, "Common properties")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tracking plan"
    ws["A1"] = "Northwind Boards - tracking plan 2026.2"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "Exported 2026-02-20. One row per event; common properties below."
    ws.append([])
    ws.append(list(EVENTS_HEADER))
    for name, fires, keys, platforms, squad, since, status in events:
        match = re.match(r"deprecated (\S+), replaced by (\S+)", status)
        replaced_by = match.group(2) if match else ""
        ws.append(
            [name, fires, keys, platforms, squad, since, "deprecated" if match else status, replaced_by]
        )
    first_free = ws.max_row + 3  # two blank rows separate the tables
    ws.cell(first_free, 1, "Common properties (sent with every event)").font = Font(bold=True)
    for r, row in enumerate(props, start=first_free + 1):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value.lower() if r == first_free + 1 else value)
    for r, line in enumerate(
        NOTES, start=4
    ):  # free-text block right of the events table, after a blank column
        ws.cell(r, len(EVENTS_HEADER) + 2, line)
    for row in (ws[4], ws[first_free + 1]):
        for cell in row[: len(EVENTS_HEADER)]:
            if cell.value:
                cell.font = Font(bold=True)
    log = wb.create_sheet("Changelog")
    log.append(["date", "change", "author"])
    log.append(["2026-02-20", "widget_viewed added as proposed", "Lena Hoffmann"])
    log.append(["2025-05-01", "task_status_changed replaces task_moved", "Lena Hoffmann"])
    log.append(
        ["2024-10-01", "board_shared deprecated; use invite_sent with channel = link", "Lena Hoffmann"]
    )
    log.append(
        ["2024-01-15", "trial_started, subscription_started, subscription_cancelled added", "Lena Hoffmann"]
    )
    wb.properties.creator = "Lena Hoffmann"
    wb.properties.title = "Tracking plan 2026.2"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(normalize_zip(buffer.getvalue()))


PLATFORMS = (("web", 0.52), ("ios", 0.30), ("android", 0.18))
# country, weight, UTC offset in hours (March, before DST in Europe and after it in the US)
COUNTRIES = (
    ("DE", 0.28, 1),
    ("US", 0.26, -4),
    ("GB", 0.11, 0),
    ("FR", 0.08, 1),
    ("NL", 0.07, 1),
    ("ES", 0.06, 1),
    ("IN", 0.08, 5.5),
    ("BR", 0.06, -3),
)
START = datetime(2026, 3, 2)  # Monday; 14 UTC days through Sunday 2026-03-15
DAYS = 14


@dataclass(frozen=True)
class SimUser:
    user_id: str
    platform: str
    country: str
    offset: float
    engagement: float
    signup_day: int | None  # None: existed before the window


def pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]


def make_users(rng: random.Random) -> list[SimUser]:
    users = []
    countries = tuple((c, w) for c, w, _ in COUNTRIES)
    offsets = {c: off for c, _, off in COUNTRIES}
    for n in range(1, 371):
        country = pick(rng, countries)
        signup_day = rng.randrange(DAYS) if n > 300 else None
        users.append(
            SimUser(
                f"u_{4000 + n * 7:06d}",
                pick(rng, PLATFORMS),
                country,
                offsets[country],
                rng.uniform(0.05, 0.45),
                signup_day,
            )
        )
    for n in range(1, 5):  # QA accounts: must be excluded by every metric
        users.append(SimUser(f"test_qa_{n:02d}", "web" if n % 2 else "ios", "DE", 1, 0.7, None))
    return users


def session_events(rng: random.Random, user: SimUser, is_signup: bool) -> list[str]:
    names = ["signup_completed"] if is_signup else []
    if user.platform != "web" or rng.random() < 0.6:
        names.append("app_opened")
    names += ["board_viewed"] * rng.randint(1, 3)
    names += ["task_created"] * rng.choice((0, 1, 1, 2, 3, 4 if is_signup else 2))
    names += ["task_completed"] * rng.choice((0, 0, 1, 2))
    names += ["comment_added"] * rng.choice((0, 0, 0, 1, 2))
    if rng.random() < 0.15:
        names.append("file_uploaded")
    if rng.random() < (0.35 if is_signup else 0.05):
        names.append("invite_sent")
    if rng.random() < 0.012:
        names.append("subscription_started")
    return names


def simulate_events(seed: int) -> pa.Table:
    rng = random.Random(seed)
    rows: list[tuple[datetime, str, str, str, str]] = []
    for user in make_users(rng):
        for day in range(DAYS):
            if user.signup_day is not None and day < user.signup_day:
                continue
            is_signup = day == user.signup_day
            weekend = (START + timedelta(days=day)).weekday() >= 5
            chance = 1.0 if is_signup else user.engagement * (0.55 if weekend else 1.0)
            if rng.random() >= chance:
                continue
            local_hour = rng.uniform(7.5, 22.0)
            t = START + timedelta(days=day, hours=local_hour - user.offset, seconds=rng.randrange(60))
            for name in session_events(rng, user, is_signup):
                t += timedelta(seconds=rng.randint(15, 240))
                platform = "web" if name == "subscription_started" else user.platform
                if START <= t < START + timedelta(days=DAYS):
                    rows.append((t.replace(microsecond=0), user.user_id, name, platform, user.country))
    rows.sort()
    columns = list(zip(*rows, strict=True))
    schema = pa.schema(
        [
            ("event_time", pa.timestamp("us")),
            ("user_id", pa.string()),
            ("event_name", pa.string()),
            ("platform", pa.string()),
            ("country", pa.string()),
        ]
    )
    return pa.Table.from_arrays(
        [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)], schema=schema
    )


def write_events_parquet(path: Path) -> None:
    pq.write_table(simulate_events(EVENTS_SEED), path, compression="zstd", row_group_size=100_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HANDBOOK, help="handbook directory to write into")
    out: Path = parser.parse_args().out
    for sub in ("policies", "reports", "tracking", "data"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    write_pdf(
        parse_blocks((SRC / "data_retention_and_access_policy.md").read_text("utf-8")),
        out / "policies" / "data_retention_and_access_policy.pdf",
    )
    write_docx(
        parse_blocks((SRC / "2025_q4_metrics_review.md").read_text("utf-8")),
        out / "reports" / "2025_q4_metrics_review.docx",
    )
    write_tracking_xlsx(
        (HANDBOOK / "tracking" / "tracking_plan.md").read_text("utf-8"),
        out / "tracking" / "tracking_plan.xlsx",
    )
    write_events_parquet(out / "data" / "events.parquet")
    for path in sorted(out.rglob("*")):
        if path.suffix in {".pdf", ".docx", ".xlsx", ".parquet"}:
            print(f"{path.relative_to(out)}  {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
