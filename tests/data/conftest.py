"""A catalog holding the handbook's data files (project A) and one secret table (project B)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from pam.data.catalog import DataCatalog

HANDBOOK = Path(__file__).resolve().parents[2] / "examples" / "handbook"
DATA_FILES = (
    "data/kpi_targets.csv",
    "data/events.parquet",
    "data/metric_registry.json",
    "tracking/tracking_plan.xlsx",
)


@dataclass(frozen=True)
class Loaded:
    catalog: DataCatalog
    project_a: uuid.UUID
    project_b: uuid.UUID


@pytest.fixture(scope="session")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    catalog = DataCatalog(tmp_path_factory.mktemp("catalog") / "tables")
    a, b = uuid.UUID(int=0xA), uuid.UUID(int=0xB)
    for path in DATA_FILES:
        catalog.replace_document(a, f"doc:{path}", Path(path).name, (HANDBOOK / path).read_bytes())
    catalog.replace_document(b, "doc:secret", "salaries.csv", b"person,salary\nAda,123456\nBob,99000\n")
    return Loaded(catalog, a, b)
