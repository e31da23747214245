"""`pam ingest`, `pam search` and `pam ask` as a user runs them: subprocesses with PAM_* pointing at tmp dirs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.cli.workspace import Workspace

INGEST_KEYS = {
    "task_id",
    "status",
    "total",
    "succeeded",
    "skipped",
    "failed",
    "deleted",
    "segments_created",
    "segments_embedded",
    "elapsed_s",
    "errors",
    "skips",
}


@dataclass
class Ingested:
    ws: Workspace
    summary: dict[str, Any]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    base = tmp_path_factory.mktemp("cli")
    for name in ("root", "data", "cwd"):
        (base / name).mkdir()
    return Workspace(base / "root", base / "data", base / "cwd")


@pytest.fixture(scope="module")
def ingested(workspace: Workspace) -> Ingested:
    docs = workspace.root / "handbook"
    docs.mkdir()
    (docs / "oncall.md").write_text(
        "# On-call rota\n\nThe on-call rota changes every Monday at ten. "
        "Swap shifts by asking in the rota channel before Friday.\n"
    )
    (docs / "expenses.md").write_text(
        "# Expense policy\n\nExpenses over 500 euros need approval from the department head "
        "before purchase. Receipts are uploaded within 30 days.\n"
    )
    summary = workspace.run_json("ingest", str(docs), "--json")
    return Ingested(workspace, summary)


def test_ingest_json_prints_the_required_keys_and_exits_0(ingested: Ingested) -> None:
    summary = ingested.summary
    assert set(summary) >= INGEST_KEYS
    assert summary["status"] == "completed"
    assert (summary["total"], summary["succeeded"], summary["failed"], summary["skipped"]) == (2, 2, 0, 0)
    assert summary["deleted"] == 0 and summary["segments_created"] >= 2
    assert summary["segments_embedded"] == summary["segments_created"]
    assert summary["errors"] == [] and isinstance(summary["elapsed_s"], float)


def test_ingest_exits_1_and_lists_the_error_when_a_file_failed(workspace: Workspace) -> None:
    docs = workspace.root / "broken"
    docs.mkdir()
    (docs / "fine.md").write_text("# Fine\n\nA fine note about kayak storage.\n")
    (docs / "scan.pdf").write_bytes(b"%PDF-1.7 garbage that is not a pdf")

    summary = workspace.run_json("ingest", str(docs), "--json", expect=1)

    assert set(summary) >= INGEST_KEYS
    assert summary["status"] == "completed" and summary["failed"] == 1 and summary["succeeded"] == 1
    assert len(summary["errors"]) == 1
    error = summary["errors"][0]
    assert set(error) == {"path", "code", "message"}
    assert error["path"] == "scan.pdf" and error["code"] == "corrupt" and error["message"]


def test_reingesting_unchanged_files_skips_them_and_exits_0(ingested: Ingested) -> None:
    summary = ingested.ws.run_json("ingest", str(ingested.ws.root / "handbook"), "--json")
    assert summary["skipped"] == 2 and summary["succeeded"] == 0 and summary["segments_embedded"] == 0


def test_ingest_outside_the_roots_fails_with_a_message_and_no_traceback(workspace: Workspace) -> None:
    done = workspace.run("ingest", str(workspace.data), "--json")
    assert done.returncode == 1
    assert "outside" in done.stderr and "Traceback" not in done.stderr and done.stdout == ""


def test_search_json_returns_the_matching_document(ingested: Ingested) -> None:
    result = ingested.ws.run_json("search", "expense approval department head", "--json")

    assert result["mode"] == "hybrid" and result["results"]
    top = result["results"][0]
    assert top["uri"] == "expenses.md" and top["title"] == "Expense policy"
    assert {"segment_id", "document_id", "section_path", "score", "content"} <= set(top)


def test_search_json_in_keyword_mode(ingested: Ingested) -> None:
    result = ingested.ws.run_json("search", "rota", "--mode", "keyword", "--k", "1", "--json")
    assert result["mode"] == "keyword" and [r["uri"] for r in result["results"]] == ["oncall.md"]


def test_ask_json_prints_answer_citations_provider_and_conversation(ingested: Ingested) -> None:
    result = ingested.ws.run_json("ask", "When does the on-call rota change?", "--json")

    assert {"answer", "citations", "provider", "conversation_id"} <= set(result)
    assert result["provider"] == "extractive" and result["answer"].strip()
    assert result["conversation_id"]
    assert result["citations"] and result["citations"][0]["uri"] == "oncall.md"
    assert "[1]" in result["answer"]
