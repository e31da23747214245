"""Spreadsheet regions: several tables and notes on one sheet, merged headers, names."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import openpyxl

from pam.data.catalog import DataCatalog
from pam.formats.identifiers import sanitize, unique
from pam.formats.sheet_regions import workbook_regions
from tests.data.conftest import HANDBOOK


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Plan 2026"
    ws.append(["Targets by region"])  # caption of the first table
    ws.append(["region", "Q1", None, "Q2", None])
    ws.append([None, "target", "actual", "target", "actual"])
    ws.merge_cells("B2:C2")
    ws.merge_cells("D2:E2")
    ws.append(["EMEA", 10, 9, 12, 13])
    ws.append(["APAC", 7, 8, 9, 9.5])
    ws.append([])
    ws.append([])
    ws.append(["owner", "team", "since"])  # second table, no caption
    ws.append(["Lena", "Tracking", 2023])
    ws.append(["Aiko", "Dashboards", 2024])
    # A notes block, set off by a blank column.
    ws["H1"] = "Notes"
    ws["H2"] = "Targets are reviewed every quarter by the metrics council."
    ws["H3"] = "Actuals come from the finance close, two weeks after quarter end."
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_sheet_with_two_tables_and_notes_gives_two_named_tables_and_one_notes_region() -> None:
    layout = workbook_regions(_workbook())["Plan 2026"]
    assert [t.label for t in layout.tables] == ["plan_2026_targets_by_region", "plan_2026_owner"]
    first, second = layout.tables
    # Merged group headers over a second header row make two-level column names.
    assert first.columns == ("region", "q1_target", "q1_actual", "q2_target", "q2_actual")
    assert first.rows == [("EMEA", 10, 9, 12, 13), ("APAC", 7, 8, 9, 9.5)]
    assert second.columns == ("owner", "team", "since")
    assert len(second.rows) == 2
    assert len(layout.notes) == 1
    assert "metrics council" in layout.notes[0].text
    assert layout.notes[0].ref == "H1:H3"


def test_the_workbook_becomes_typed_queryable_tables(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path / "tables")
    project = uuid.uuid4()
    infos = catalog.replace_document(project, "doc-1", "plan.xlsx", _workbook())
    assert [t.name for t in infos] == ["plan_2026_targets_by_region", "plan_2026_owner"]
    types = {c.name: c.type for c in infos[0].columns}
    assert types == {
        "region": "VARCHAR",
        "q1_target": "BIGINT",
        "q1_actual": "BIGINT",
        "q2_target": "BIGINT",
        "q2_actual": "DOUBLE",
    }
    result = catalog.query("SELECT sum(q2_actual) FROM plan_2026_targets_by_region", [project])
    assert result.rows == ((22.5,),)


def test_the_handbook_tracking_plan_splits_into_its_tables_and_notes() -> None:
    layouts = workbook_regions((HANDBOOK / "tracking" / "tracking_plan.xlsx").read_bytes())
    plan = layouts["Tracking plan"]
    assert [t.label for t in plan.tables] == ["tracking_plan_event_name", "tracking_plan_common_properties"]
    assert len(plan.tables[0].rows) == 18
    assert plan.tables[1].columns == ("property", "type", "example", "notes")
    notes = "\n".join(n.text for n in plan.notes)
    assert "Source of truth" in notes and "Exported 2026-02-20" in notes
    assert [t.label for t in layouts["Changelog"].tables] == ["changelog"]


def test_names_are_safe_identifiers() -> None:
    assert sanitize("Tracking plan (v2)") == "tracking_plan"
    assert sanitize('x"; DROP TABLE y; --') == "x_drop_table_y"
    assert sanitize("2026 targets") == "t_2026_targets"
    assert sanitize("Übersicht Ziele") == "ubersicht_ziele"
    assert sanitize("???") == "t"
    assert unique("kpi", ["kpi", "kpi_2"]) == "kpi_3"
