"""Answer quality on the sample handbook: the share of questions whose citations include an expected
document, and time to first token, with the configured provider (extractive unless PAM_LLM_PROVIDER says otherwise)."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.common import ROOT, markdown_table, write
from pam.access import LOCAL_ADMIN
from pam.answer.events import CitationEvent, Done, Error, Token
from pam.evaluation.metrics import percentile
from pam.logs import configure_logging
from pam.services.chat import ChatFilters
from pam.services.container import Services
from pam.settings import Settings
from pam.store.models import Document

HANDBOOK = ROOT / "examples" / "handbook"
QUESTIONS = ROOT / "examples" / "handbook_questions.jsonl"


async def main() -> dict[str, Any]:
    questions = [
        json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    scratch = Path(tempfile.mkdtemp(prefix="pam-answers-bench-"))
    settings = Settings(data_dir=scratch / "data", ingest_roots=[ROOT], seed_dir=None)
    services = await Services.start(settings, run_tasks=False)
    rows = []
    try:
        scope = await services.auth.scope_of(LOCAL_ADMIN)
        task = await services.ingestion.start_folder(scope, None, str(HANDBOOK))
        await services.ingestion.wait(task.id)
        await services.sync_index()
        async with services.sessions() as s:
            doc_uris = {str(i): u for i, u in await s.execute(select(Document.id, Document.uri))}
        for q in questions:
            started = time.perf_counter()
            first_token: float | None = None
            text, uris, error = [], [], None
            async for event in services.chat.stream(scope, q["question"], None, ChatFilters()):
                if isinstance(event, Token):
                    if first_token is None:
                        first_token = (time.perf_counter() - started) * 1000
                    text.append(event.text)
                elif isinstance(event, CitationEvent):
                    # A table citation (table://name) counts for the data file the table came from.
                    uris.append(doc_uris.get(event.citation.document_id, event.citation.uri or ""))
                elif isinstance(event, Error):
                    error = event.code
                elif isinstance(event, Done):
                    pass
            answer = "".join(text)
            expected = set(q["expected_documents"])
            normalized = answer.replace(",", "").lower()
            rows.append(
                {
                    "id": q["id"],
                    "kind": q.get("kind", "text"),
                    "question": q["question"],
                    "cited_expected": bool(expected & set(uris)),
                    "contains_expected": all(
                        s.replace(",", "").lower() in normalized for s in q["expected_answer_contains"]
                    ),
                    "ttft_ms": round(first_token, 1) if first_token is not None else None,
                    "total_ms": round((time.perf_counter() - started) * 1000, 1),
                    "citations": uris,
                    "error": error,
                }
            )
    finally:
        provider = services.chat.answerer.provider
        await services.close()
        shutil.rmtree(scratch, ignore_errors=True)
    summary: dict[str, Any] = {"provider": provider, "questions": len(rows)}
    for kind in ("text", "table", "all"):
        subset = [r for r in rows if kind == "all" or r["kind"] == kind]
        if not subset:
            continue
        ttfts = [r["ttft_ms"] for r in subset if r["ttft_ms"] is not None]
        summary[kind] = {
            "n": len(subset),
            "cited_expected_share": round(sum(r["cited_expected"] for r in subset) / len(subset), 3),
            "answer_contains_expected_share": round(
                sum(r["contains_expected"] for r in subset) / len(subset), 3
            ),
            "ttft_ms_p50": round(percentile(ttfts, 0.5), 1),
            "ttft_ms_p95": round(percentile(ttfts, 0.95), 1),
        }
    return {"summary": summary, "rows": rows}


if __name__ == "__main__":
    configure_logging("warning", "console")
    result = asyncio.run(main())
    s = result["summary"]
    table = markdown_table(
        [
            "questions",
            "n",
            "cite an expected document",
            "answer holds the expected value",
            "TTFT p50 ms",
            "TTFT p95 ms",
        ],
        [
            [
                k,
                s[k]["n"],
                s[k]["cited_expected_share"],
                s[k]["answer_contains_expected_share"],
                s[k]["ttft_ms_p50"],
                s[k]["ttft_ms_p95"],
            ]
            for k in ("text", "table", "all")
            if k in s
        ],
    )
    misses = [r for r in result["rows"] if not r["cited_expected"]]
    detail = "\n".join(
        f"- {r['id']} ({r['kind']}): {r['question']} → cited {r['citations'] or 'nothing'}" for r in misses
    )
    write(
        "answers",
        result,
        f"# Answers on the sample handbook ({s['provider']})\n\n{table}\n"
        f"Questions whose citations missed every expected document:\n\n{detail or '- none'}\n",
    )
