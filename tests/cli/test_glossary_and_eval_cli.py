"""`pam glossary ...` and `pam eval answers|retrieval` as a user runs them: subprocesses on tmp dirs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_cli_commands import Workspace

QUESTIONS = [
    {"id": "rota", "question": "When does the on-call rota change?", "expected_documents": ["oncall.md"],
     "expected_answer_contains": ["Monday"]},
    {"id": "expenses", "question": "Who must approve expenses over 500 euros?", "expected_documents": ["expenses.md"],
     "expected_answer_contains": ["department head"]},
    {"id": "follow", "history": ["What is the expense policy?"], "question": "And how long do I have for receipts?",
     "expected_documents": ["expenses.md"], "expected_answer_contains": ["30 days"]},
    {"id": "none", "question": "What is the Wi-Fi password of the Lisbon office?", "unanswerable": True},
]  # fmt: skip


def count_conversations(ws: Workspace) -> int:
    with sqlite3.connect(ws.data / "pam.db") as db:
        return int(db.execute("SELECT count(*) FROM conversations").fetchone()[0])


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    base = tmp_path_factory.mktemp("cli-eval")
    for name in ("root", "data", "cwd"):
        (base / name).mkdir()
    ws = Workspace(base / "root", base / "data", base / "cwd")
    docs = ws.root / "handbook"
    docs.mkdir()
    (docs / "oncall.md").write_text(
        "# On-call rota\n\nThe on-call rota changes every Monday at ten. "
        "Swap shifts by asking in the rota channel before Friday.\n"
    )
    (docs / "expenses.md").write_text(
        "# Expense policy\n\nExpenses over 500 euros need approval from the department head "
        "before purchase. Receipts are uploaded within 30 days.\n"
    )
    (docs / "glossary.md").write_text(
        "# Glossary\n\n**OOO** (out of office) – Away from work, not on call.\n"
    )
    ws.run_json("ingest", str(docs), "--json")
    return ws


def test_glossary_terms_come_from_the_glossary_document_and_can_be_edited(workspace: Workspace) -> None:
    listed = workspace.run_json("glossary", "list", "--json")
    assert [(t["term"], t["aliases"], t["origin"]) for t in listed] == [
        ("OOO", ["out of office"], "document")
    ]

    added = workspace.run_json("glossary", "add", "PTO", "-d", "Paid time off.", "-a", "vacation", "--json")
    assert added["origin"] == "manual" and added["aliases"] == ["vacation"]
    shown = workspace.run_json("glossary", "show", "vacation", "--json")
    assert [t["term"] for t in shown] == ["PTO"]
    edited = workspace.run_json("glossary", "edit", "PTO", "-d", "Paid leave.", "-a", "holiday", "--json")
    assert edited["definition"] == "Paid leave." and edited["aliases"] == ["holiday"]

    duplicate = workspace.run("glossary", "add", "pto", "-d", "again")
    assert duplicate.returncode == 1 and "already has the term" in duplicate.stderr
    assert "Traceback" not in duplicate.stderr
    assert workspace.run("glossary", "remove", "PTO").returncode == 0
    missing = workspace.run("glossary", "show", "PTO")
    assert missing.returncode == 1 and "no glossary term" in missing.stderr


def test_eval_answers_reports_the_rates_and_writes_json(workspace: Workspace, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n")
    out = tmp_path / "report.json"
    conversations_before = count_conversations(workspace)

    done = workspace.run("eval", "answers", str(questions), "--json", str(out))

    assert done.returncode == 0, done.stderr[-2000:]
    assert "cite an expected document" in done.stdout and "handled right" in done.stdout
    report = json.loads(out.read_text())
    assert report["provider"] == "extractive" and report["questions_total"] == 4
    assert report["groups"]["answerable"]["n"] == 3 and report["groups"]["unanswerable"]["n"] == 1
    by_id = {q["id"]: q for q in report["questions"]}
    assert by_id["rota"]["correct"] and by_id["rota"]["cited"] == ["oncall.md"]
    assert by_id["none"]["declined"] and by_id["none"]["correct"]
    assert by_id["follow"]["history"] == ["What is the expense policy?"]
    assert by_id["follow"]["cited_expected"], by_id["follow"]
    assert report["groups"]["all"]["ttft_p50_ms"] > 0
    # The evaluation's conversations are not left in the team's history.
    assert count_conversations(workspace) == conversations_before


def test_eval_answers_fails_under_a_threshold_and_refuses_bad_files(
    workspace: Workspace, tmp_path: Path
) -> None:
    questions = tmp_path / "hard.jsonl"
    questions.write_text(
        json.dumps({"question": "What colour is the rota?", "expected_answer_contains": ["ultramarine"]})
        + "\n"
    )
    below = workspace.run("eval", "answers", str(questions), "--fail-under", "0.9")
    assert below.returncode == 1 and "below --fail-under" in below.stderr

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok?", "expected_documents": ["a"]}\nnot json\n')
    refused = workspace.run("eval", "answers", str(bad))
    assert refused.returncode == 1 and "line 2" in refused.stderr and "Traceback" not in refused.stderr
    no_model = workspace.run("eval", "answers", str(questions), "--judge")
    assert no_model.returncode == 1 and "--judge needs a model" in no_model.stderr


def test_eval_with_a_dataset_dir_still_evaluates_retrieval(workspace: Workspace, tmp_path: Path) -> None:
    dataset = tmp_path / "tiny"
    (dataset / "qrels").mkdir(parents=True)
    corpus = [
        {"_id": "d1", "title": "Otters", "text": "Sea otters hold hands while they sleep."},
        {"_id": "d2", "title": "Volcanoes", "text": "Basalt forms when lava cools quickly."},
    ]
    (dataset / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in corpus) + "\n")
    (dataset / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "otters sleeping"}) + "\n")
    (dataset / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    out = tmp_path / "retrieval.json"

    done = workspace.run("eval", str(dataset), "--modes", "keyword", "--json", str(out))

    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(out.read_text())["results"]["keyword"]["ndcg@10"] == 1.0
