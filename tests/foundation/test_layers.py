"""The layer rules are a build failure, not a convention: `lint-imports` (run by `make lint`) fails
when an import goes against them. Shown on a copy of the package with one deliberate violation each."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(package_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=package_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    root = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "pam", root / "pam", ignore=shutil.ignore_patterns("__pycache__"))
    target = root / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return root


def test_the_package_keeps_its_contracts() -> None:
    result = lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # The store reaching up into the API: against the layers.
        ("pam/store/db.py", "import pam.api.app  # noqa", "Layers point one way"),
        # A route building its own query.
        (
            "pam/api/routes/health.py",
            "from sqlalchemy import select  # noqa",
            "Routes, CLI commands and MCP tools translate",
        ),
        # An MCP tool reading a table itself.
        (
            "pam/mcp/tools.py",
            "import pam.store.models  # noqa",
            "Routes, CLI commands and MCP tools translate",
        ),
        # A use case reaching up into a door.
        ("pam/services/chat.py", "import pam.mcp.server  # noqa", "Layers point one way"),
        # Search importing ingestion (siblings in the domain layer are independent).
        ("pam/search/fusion.py", "import pam.ingest.pipeline  # noqa", "Layers point one way"),
    ],
)
def test_an_import_against_the_rules_fails_the_lint(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    result = lint_imports(copy_with(tmp_path, module, line))
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout, result.stdout
