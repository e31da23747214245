"""Answer quality on two corpora, with the configured provider (extractive unless PAM_LLM_PROVIDER says
otherwise): the share of answers that cite an expected document and hold the expected values (text
and table questions), the share of unanswerable questions declined, and time to first token.

Each corpus is ingested into a fresh data dir through the normal pipeline, then its questions are asked
through the chat use case (`pam.services.answer_eval`, the code behind `pam eval answers`).
`python -m bench.answers_bench [handbook] [postgres]` runs some; no argument runs both.
If bench/results/answers_before.json exists, the markdown also compares with it.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.answer_corpora import CORPORA, Corpus
from bench.common import RESULTS, markdown_table, write
from pam.access import LOCAL_ADMIN
from pam.evaluation.answer_cases import load_cases
from pam.evaluation.answer_report import report_json
from pam.evaluation.answer_run import AnswerEvaluation
from pam.logs import configure_logging
from pam.services.chat import ChatFilters
from pam.services.container import Services
from pam.settings import Settings

BEFORE = RESULTS / "answers_before.json"
GROUPS = ("text", "table", "follow_up", "unanswerable", "all")


async def run_corpus(corpus: Corpus) -> dict[str, Any]:
    folder = corpus.prepare()
    cases = load_cases(corpus.questions)
    scratch = Path(tempfile.mkdtemp(prefix=f"pam-answers-{corpus.name}-"))
    settings = Settings(data_dir=scratch / "data", ingest_roots=[folder.parent], seed_dir=None)
    services = await Services.start(settings, run_tasks=False)
    try:
        started = time.perf_counter()
        scope = await services.auth.scope_of(LOCAL_ADMIN)
        task = await services.ingestion.start_folder(scope, None, str(folder))
        await services.ingestion.wait(task.id)
        await services.sync_index()
        ingest_s = time.perf_counter() - started
        evaluation = AnswerEvaluation(services.chat, services.conversations, services.sessions)
        report = await evaluation.run(scope, cases, ChatFilters())
        provider = services.chat.answerer.provider
    finally:
        await services.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "corpus": corpus.name,
        "title": corpus.title,
        "provider": provider,
        "documents_folder": folder.name,
        "ingest_s": round(ingest_s, 1),
        **report_json(report),
    }


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def corpus_table(result: dict[str, Any], before: dict[str, Any] | None) -> str:
    rows = []
    for group in GROUPS:
        rates = result["groups"].get(group)
        if rates is None:
            continue
        old = (before or {}).get("groups", {}).get(group, {})

        def cell(key: str, rates: dict[str, Any] = rates, old: dict[str, Any] = old) -> str:
            now = _fmt(rates.get(key))
            return f"{_fmt(old.get(key))} → {now}" if before is not None else now

        rows.append(
            [
                group,
                rates["n"],
                cell("cited_expected"),
                cell("expected_value"),
                cell("declined"),
                cell("ttft_p50_ms"),
                cell("ttft_p95_ms"),
            ]
        )
    headers = [
        "questions",
        "n",
        "cite an expected document",
        "answer holds the expected values",
        "declined",
        "TTFT p50 ms",
        "TTFT p95 ms",
    ]
    return markdown_table(headers, rows)


def misses(result: dict[str, Any]) -> str:
    lines = []
    for row in result["questions"]:
        if row["correct"]:
            continue
        what = "not declined" if row["unanswerable"] else (
            "declined" if row["declined"] else
            ("no expected document cited" if not row["cited_expected"] else "expected value missing")
        )  # fmt: skip
        answer = " ".join(row["answer"].split())
        lines.append(f"- {row['id']} ({row['kind']}, {what}): {row['question']} → {answer[:160]}")
    return "\n".join(lines) or "- none"


def markdown(results: list[dict[str, Any]], before: dict[str, Any]) -> str:
    parts = ["# Answer quality\n"]
    if before:
        parts.append("Figures are `before → after`; before is bench/results/answers_before.json.\n")
    for result in results:
        parts.append(
            f"## {result['title']} ({result['provider']})\n\n"
            f"{result['questions_total']} questions; ingestion took {result['ingest_s']} s. "
            "Rates of answered-and-right are over answerable questions; `declined` for unanswerable "
            "ones is the share declined (the goal is 1), for answerable ones the share wrongly declined.\n\n"
            + corpus_table(result, before.get(result["corpus"]))
            + f"\nQuestions answered wrongly:\n\n{misses(result)}\n"
        )
    return "\n".join(parts)


def main(selected: list[str]) -> None:
    configure_logging("warning", "console")
    names = selected or list(CORPORA)
    unknown = [n for n in names if n not in CORPORA]
    if unknown:
        raise SystemExit(f"unknown corpus: {', '.join(unknown)} (choose from {', '.join(CORPORA)})")
    results = [asyncio.run(run_corpus(CORPORA[name])) for name in names]
    before: dict[str, Any] = {}
    if BEFORE.is_file():
        before = {r["corpus"]: r for r in json.loads(BEFORE.read_text(encoding="utf-8"))["corpora"]}
    write("answers", {"corpora": results}, markdown(results, before))


if __name__ == "__main__":
    main(sys.argv[1:])
