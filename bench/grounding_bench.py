"""Grounded answers on the sample handbook, side by side (`make bench BENCH=grounding`): the extractive answerer, the fake model (a scripted
OpenAI-compatible server that quotes the first passage it is shown) and a real local model server
(llama-cpp-python with gemma-3-270m) in two chat formats: its default and `chatml-function-calling`.

Every question goes to every answerer in turn, so all of them see the same machine load. Reported per
answerer: the share of answers citing an expected document, the share the grounding check passed,
the share that is either grounded with a valid citation or marked `grounded: false` (must be 1.0),
errors, empty answers, and time to first token.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from tests.fakes.model_script import ModelScript, QuoteSource
from tests.fakes.model_server import FakeModelServer

from bench.answers_report import report
from bench.common import ROOT, write
from bench.local_model import CONTEXT_TOKENS, LocalModel, local_model_server
from pam.access import LOCAL_ADMIN, AccessScope
from pam.answer.events import CitationEvent, Done, Error, Token
from pam.answer.llm import LLM
from pam.logs import configure_logging
from pam.services.answering import build_answerer, build_llm
from pam.services.chat import ChatFilters, ChatService
from pam.services.container import Services
from pam.settings import Settings
from pam.store.models import Document

HANDBOOK = ROOT / "examples" / "handbook"
QUESTIONS = ROOT / "examples" / "handbook_questions.jsonl"
# The local model's answers are bounded: a 270M model rambles, and the machine has 2 cores. Two steps:
# one where it may call a tool, then the answer.
LOCAL_MAX_TOKENS = 128
LOCAL_MAX_STEPS = 2


@dataclass
class Answerer:
    name: str
    chat: ChatService
    detail: dict[str, Any]
    llm: LLM | None = None


@contextmanager
def model_servers() -> Iterator[tuple[FakeModelServer, list[LocalModel]]]:
    with ExitStack() as stack:
        fake = stack.enter_context(FakeModelServer(ModelScript(default_turn=[QuoteSource()])))
        local = [stack.enter_context(local_model_server(fmt)) for fmt in (None, "chatml-function-calling")]
        yield fake, local


def answerers(
    services: Services, scratch: Path, fake: FakeModelServer, local: list[LocalModel]
) -> list[Answerer]:
    def llm_answerer(name: str, detail: dict[str, Any], **overrides: Any) -> Answerer:
        settings = Settings(data_dir=scratch / "data", seed_dir=None, llm_provider="openai", **overrides)
        llm = build_llm(settings)
        chat = ChatService(
            build_answerer(settings, llm), services.chat.search, services.sessions, services.chat.tables
        )
        return Answerer(name, chat, detail, llm)

    found = [Answerer("extractive", services.chat, {"provider": "extractive"})]
    found.append(
        llm_answerer(
            "fake model",
            {"provider": "openai", "server": "tests/fakes model server quoting the first passage shown"},
            openai_base_url=fake.openai_base_url,
            llm_model="fake",
        )
    )
    for model in local:
        found.append(
            llm_answerer(
                f"gemma-3-270m ({model.chat_format})",
                {
                    "provider": "openai",
                    "server": f"llama-cpp-python {model.llama_cpp_version} llama_cpp.server",
                    "model_file": model.model_file,
                    "chat_format": model.chat_format,
                    "n_ctx": CONTEXT_TOKENS,
                    "threads": model.threads,
                    "max_tokens": LOCAL_MAX_TOKENS,
                    "max_steps": LOCAL_MAX_STEPS,
                },
                openai_base_url=model.base_url,
                llm_model="gemma-3-270m",
                llm_max_tokens=LOCAL_MAX_TOKENS,
                agent_max_steps=LOCAL_MAX_STEPS,
                llm_timeout_s=300,
            )
        )
    return found


async def ask(
    chat: ChatService, scope: AccessScope, question: str, uri_of: Callable[[str, str | None], str]
) -> dict[str, Any]:
    started = time.perf_counter()
    first_token: float | None = None
    text: list[str] = []
    uris: list[str] = []
    error: str | None = None
    done: Done | None = None
    async for event in chat.stream(scope, question, None, ChatFilters()):
        if isinstance(event, Token):
            if first_token is None and event.text.strip():
                first_token = (time.perf_counter() - started) * 1000
            text.append(event.text)
        elif isinstance(event, CitationEvent):
            uris.append(uri_of(event.citation.document_id, event.citation.uri))
        elif isinstance(event, Error):
            error = event.code
        elif isinstance(event, Done):
            done = event
    answer = "".join(text)
    return {
        "answer": answer,
        "citations": uris,
        "error": error,
        "grounded": done.grounded if done else None,
        "reason": done.grounding.reason if done else None,
        "action": done.grounding.action if done else None,
        "steps": done.usage.steps if done else None,
        "tool_calls": done.usage.tool_calls if done else None,
        "invalid_citations": done.usage.invalid_citations if done else None,
        "ttft_ms": round(first_token, 1) if first_token is not None else None,
        "total_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def judged(row: dict[str, Any], question: dict[str, Any]) -> dict[str, Any]:
    expected = set(question["expected_documents"])
    normalized = row["answer"].replace(",", "").lower()
    return {
        **row,
        "cited_expected": bool(expected & set(row["citations"])),
        "contains_expected": all(
            s.replace(",", "").lower() in normalized for s in question["expected_answer_contains"]
        ),
        # What must hold for every answer: grounded with a valid citation, or marked not grounded.
        "accounted": row["error"] is None
        and (row["grounded"] is False or (row["grounded"] is True and bool(row["citations"]))),
        "empty": row["error"] is None and not row["answer"].strip(),
    }


async def main(
    limit: int | None = None, progress: Callable[[dict[str, Any]], None] | None = None
) -> dict[str, Any]:
    """The benchmark; ``progress`` gets the result so far after every question (a long run on a
    busy machine still leaves its figures if it is stopped)."""
    questions = [
        json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()
    ][:limit]
    scratch = Path(tempfile.mkdtemp(prefix="pam-grounding-bench-"))
    settings = Settings(data_dir=scratch / "data", ingest_roots=[ROOT], seed_dir=None)
    services = await Services.start(settings, run_tasks=False)
    rows: list[dict[str, Any]] = []
    try:
        scope = await services.auth.scope_of(LOCAL_ADMIN)
        task = await services.ingestion.start_folder(scope, None, str(HANDBOOK))
        await services.ingestion.wait(task.id)
        await services.sync_index()
        async with services.sessions() as s:
            doc_uris = {str(i): u for i, u in await s.execute(select(Document.id, Document.uri))}

        def uri_of(document_id: str, uri: str | None) -> str:
            # A table citation (table://name) counts for the data file the table came from.
            return doc_uris.get(document_id, uri or "")

        with model_servers() as (fake, local):
            runs = answerers(services, scratch, fake, local)
            try:
                for number, q in enumerate(questions, 1):
                    for run in runs:
                        row = judged(await ask(run.chat, scope, q["question"], uri_of), q)
                        rows.append(
                            {"answerer": run.name, "id": q["id"], "kind": q.get("kind", "text"), **row}
                        )
                    print(f"{number}/{len(questions)} {q['id']}", flush=True)
                    if progress is not None:
                        names = [run.name for run in runs]
                        progress(partial(runs, rows, names, number, len(questions)))
            finally:
                for run in runs:
                    if run.llm is not None:
                        await run.llm.aclose()
        answered = {run.name: run.detail for run in runs}
    finally:
        await services.close()
        shutil.rmtree(scratch, ignore_errors=True)
    total = len(questions)
    return {
        "questions_done": f"{total} of {total}",
        "answerers": answered,
        "summary": summarize(rows, list(answered)),
        "rows": rows,
    }


def partial(
    runs: list[Answerer], rows: list[dict[str, Any]], names: list[str], done: int, total: int
) -> dict[str, Any]:
    return {
        "questions_done": f"{done} of {total}",
        "answerers": {run.name: run.detail for run in runs},
        "summary": summarize(rows, names),
        "rows": rows,
    }


def summarize(rows: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    from pam.evaluation.metrics import percentile

    summary: dict[str, Any] = {}
    for name in names:
        mine = [r for r in rows if r["answerer"] == name]
        n = len(mine)
        ttfts = [r["ttft_ms"] for r in mine if r["ttft_ms"] is not None]
        totals = [r["total_ms"] for r in mine]
        summary[name] = {
            "n": n,
            "cited_expected_share": round(sum(r["cited_expected"] for r in mine) / n, 3),
            "grounded_share": round(sum(r["grounded"] is True for r in mine) / n, 3),
            "accounted_share": round(sum(r["accounted"] for r in mine) / n, 3),
            "answer_contains_expected_share": round(sum(r["contains_expected"] for r in mine) / n, 3),
            "errors": dict(Counter(r["error"] for r in mine if r["error"])),
            "empty_answers": sum(r["empty"] for r in mine),
            "actions": dict(Counter(r["action"] for r in mine if r["action"])),
            "ungrounded_reasons": dict(Counter(r["reason"] for r in mine if r["reason"])),
            "ttft_ms_p50": round(percentile(ttfts, 0.5), 1) if ttfts else None,
            "ttft_ms_p95": round(percentile(ttfts, 0.95), 1) if ttfts else None,
            "total_ms_p50": round(percentile(totals, 0.5), 1),
            "mean_tool_calls": round(sum(r["tool_calls"] or 0 for r in mine) / n, 2),
        }
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--questions", type=int, default=None, help="only the first N questions (a trial run)"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the table, keep bench/results as it is"
    )
    args = parser.parse_args()
    configure_logging("warning", "console")

    def save(result: dict[str, Any]) -> None:
        if not args.no_write:
            write("grounding", result, report(result), quiet=True)

    result = asyncio.run(main(args.questions, save))
    if args.no_write:
        print(report(result))
    else:
        write("grounding", result, report(result))
