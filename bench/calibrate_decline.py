"""Calibrating the extractive answerer's decline thresholds: for answerable questions (the handbook's
original 34 text questions) and questions the handbook cannot answer (a calibration set, kept apart
from the benchmark's own unanswerable questions), print the best unit's cosine and term share and
whether the question names something the knowledge base never mentions.

    python -m bench.calibrate_decline [--data-dir DIR]   # DIR: reuse an ingested handbook

The threshold in ExtractiveConfig (min_support: cosine + half the term share) sits between the groups.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from bench.answer_corpora import CORPORA
from bench.common import ROOT
from pam.access import LOCAL_ADMIN
from pam.answer.extractive import ExtractiveStrategy
from pam.answer.sources import ToolFilters
from pam.evaluation.answer_cases import load_cases
from pam.logs import configure_logging
from pam.services.container import Services
from pam.services.knowledge import ScopedKnowledge
from pam.settings import Settings

CALIBRATION = ROOT / "bench" / "questions" / "handbook_decline_calibration.jsonl"
ORIGINAL = 44  # q01-q44: the set as it was before issue 16


async def main(data_dir: Path | None) -> None:
    folder = CORPORA["handbook"].prepare()
    scratch = data_dir or Path(tempfile.mkdtemp(prefix="pam-calibrate-"))
    settings = Settings(data_dir=scratch, ingest_roots=[folder.parent], seed_dir=None)
    services = await Services.start(settings, run_tasks=False)
    try:
        scope = await services.auth.scope_of(LOCAL_ADMIN)
        if data_dir is None:
            task = await services.ingestion.start_folder(scope, None, str(folder))
            await services.ingestion.wait(task.id)
        await services.sync_index()
        strategy = services.chat.answerer.strategy
        assert isinstance(strategy, ExtractiveStrategy)
        knowledge = ScopedKnowledge(services.search, services.sessions, scope)
        answerable = [c for c in load_cases(CORPORA["handbook"].questions)[:ORIGINAL] if c.kind == "text"]
        for label, cases in (("answerable", answerable), ("unanswerable", load_cases(CALIBRATION))):
            print(f"\n{label}: support (best unit cosine + half its term share), names the unknown, answered")
            for case in cases:
                signal = await strategy.signals(case.question, knowledge, ToolFilters())
                answered = signal.answers and not signal.unknown_name
                print(
                    f"  {case.id:4} {signal.support:6.3f} {signal.unknown_name!s:5} {answered!s:5} {case.question}"
                )
    finally:
        await services.close()
        if data_dir is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    configure_logging("warning", "console")
    given = sys.argv[sys.argv.index("--data-dir") + 1] if "--data-dir" in sys.argv else None
    asyncio.run(main(Path(given) if given else None))
