"""`pam ingest` on a real wiki-shaped folder: what it does not read is skipped with a reason, not failed;
relative paths are the shell's; path errors name the resolved path and the roots."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.workspace import Workspace
from tests.wiki_folder import NOT_READ, PAGES, write_wiki


@dataclass
class Wiki:
    ws: Workspace
    folder: Path  # <root>/exports/team-wiki
    summary: dict[str, Any]  # the first `pam ingest exports/team-wiki --json`, run from <root>


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory) -> Wiki:
    base = tmp_path_factory.mktemp("cliwiki")
    for name in ("first-root", "root", "data", "cwd"):
        (base / name).mkdir()
    # The wiki is under the second root: a relative path resolved against the first root would miss it.
    ws = Workspace(base / "root", base / "data", base / "cwd", extra_roots=[base / "first-root"])
    folder = ws.root / "exports" / "team-wiki"
    folder.mkdir(parents=True)
    write_wiki(folder)
    summary = ws.run_json("ingest", "exports/team-wiki", "--json", cwd=ws.root)
    return Wiki(ws, folder, summary)


def test_a_wiki_with_images_and_empty_pages_exits_0_with_nothing_failed(wiki: Wiki) -> None:
    summary = wiki.summary
    assert summary["status"] == "completed"
    assert summary["failed"] == 0 and summary["errors"] == []
    assert summary["succeeded"] == len(PAGES)
    assert summary["skipped"] == len(NOT_READ) and summary["total"] == len(PAGES) + len(NOT_READ)


def test_every_file_not_read_is_listed_with_its_reason(wiki: Wiki) -> None:
    skips = {s["path"]: s for s in wiki.summary["skips"]}
    assert {path: s["code"] for path, s in skips.items()} == {p: code for p, (_, code) in NOT_READ.items()}
    for skip in skips.values():
        assert skip["message"] and str(wiki.folder) not in skip["message"]
    assert ".png" in skips["engineering/diagrams/architecture.png"]["message"]
    assert "text" in skips["scripts/deploy"]["message"]  # an extensionless file that is not text


def test_extensionless_text_files_are_ingested_and_found(wiki: Wiki) -> None:
    found = wiki.ws.run_json("search", "kestrel migration quarterly planning", "--json", "--mode", "keyword")
    assert found["results"][0]["uri"] == "engineering/NOTES"


def test_strict_makes_a_skipped_file_exit_1(wiki: Wiki) -> None:
    summary = wiki.ws.run_json("ingest", str(wiki.folder), "--json", "--strict", expect=1)
    # Nothing else changes: the same files are skipped for the same reasons, none failed.
    assert summary["failed"] == 0 and len(summary["skips"]) == len(NOT_READ)


def test_strict_on_a_folder_with_nothing_skipped_exits_0(wiki: Wiki) -> None:
    clean = wiki.ws.root / "clean"
    clean.mkdir()
    (clean / "page.md").write_text("# Page\n\nA page about the gannet colony.\n")
    summary = wiki.ws.run_json("ingest", str(clean), "--json", "--strict")
    assert summary["skips"] == [] and summary["succeeded"] == 1


def test_reingesting_lists_the_files_not_read_again_and_unchanged_ones_not(wiki: Wiki) -> None:
    summary = wiki.ws.run_json("ingest", ".", "--json", cwd=wiki.folder)
    assert summary["succeeded"] == 0 and summary["failed"] == 0
    assert summary["skipped"] == len(PAGES) + len(NOT_READ)
    assert {s["path"] for s in summary["skips"]} == set(NOT_READ)


def test_the_summary_table_lists_skipped_files_with_reasons(wiki: Wiki) -> None:
    done = wiki.ws.run("ingest", "team-wiki", cwd=wiki.folder.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Files not read" in done.stdout and "could not be ingested" not in done.stdout
    assert "scripts/deploy" in done.stdout and "PAM does not read .png files" in done.stdout


def test_a_relative_path_with_dotdot_is_the_shells(wiki: Wiki) -> None:
    sibling = wiki.folder.parent / "sibling"
    sibling.mkdir()
    summary = wiki.ws.run_json("ingest", "../team-wiki", "--json", cwd=sibling)
    assert summary["total"] == len(PAGES) + len(NOT_READ) and summary["failed"] == 0


def test_a_missing_folder_names_the_resolved_path_and_the_roots(wiki: Wiki) -> None:
    done = wiki.ws.run("ingest", "no-such-folder", "--json", cwd=wiki.folder.parent)
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())  # rich wraps long lines
    assert "not found" in message and str(wiki.folder.parent / "no-such-folder") in message
    assert all(str(root) in message for root in wiki.ws.roots)


def test_a_folder_outside_the_roots_names_the_resolved_path_and_the_roots(wiki: Wiki) -> None:
    done = wiki.ws.run("ingest", ".", "--json", cwd=wiki.ws.cwd)
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert "outside" in message and str(wiki.ws.cwd) in message
    assert all(str(root) in message for root in wiki.ws.roots)
