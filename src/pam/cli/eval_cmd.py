"""`pam eval DATASET_DIR`: retrieval quality (nDCG@10, Recall@100, MRR@10) and latency per mode on a BEIR dataset."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from pam.cli.output import fail, stderr, stdout
from pam.evaluation import beir
from pam.evaluation.runner import EvalReport, evaluate, ingest_corpus
from pam.logs import configure_logging
from pam.services.container import Services
from pam.settings import Settings


def eval_command(
    dataset_dir: Annotated[
        Path, typer.Argument(help="A BEIR-format folder: corpus.jsonl, queries.jsonl, qrels/.")
    ],
    modes: Annotated[
        str, typer.Option(help="Comma-separated: hybrid,keyword,vector.")
    ] = "hybrid,keyword,vector",
    split: Annotated[str, typer.Option(help="Which qrels file to score against.")] = "test",
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the results to this JSON file.")
    ] = None,
    work_dir: Annotated[
        Path | None, typer.Option(help="Scratch dir to reuse between runs (default: a temp dir).")
    ] = None,
) -> None:
    """Ingest the corpus into a scratch data dir through the normal pipeline, then score every test query."""
    import asyncio

    wanted = [m.strip() for m in modes.split(",") if m.strip()]
    if not wanted or any(m not in ("hybrid", "keyword", "vector") for m in wanted):
        fail("modes must be a comma-separated list of hybrid, keyword, vector")
    dataset = beir.load(dataset_dir, split)
    configure_logging("warning", "console")
    scratch = work_dir or Path(tempfile.mkdtemp(prefix="pam-eval-"))
    settings = Settings(data_dir=scratch / "data", database_url=None, ingest_roots=[scratch], seed_dir=None)

    async def run() -> EvalReport:
        services = await Services.start(settings, run_tasks=False)
        try:
            stderr().print(f"ingesting {len(dataset.corpus)} documents into {scratch} …")
            doc_ids, ingest_s = await ingest_corpus(services, dataset, scratch / "corpus")
            report = EvalReport(dataset.name, split, len(dataset.corpus), len(dataset.queries), ingest_s)
            with Progress(console=stderr(), transient=True) as bar:
                lines = {m: bar.add_task(f"{m:7}", total=len(dataset.queries)) for m in wanted}
                report.results = await evaluate(
                    services,
                    dataset,
                    doc_ids,
                    wanted,  # type: ignore[arg-type]
                    progress=lambda mode, done, _total: bar.update(lines[mode], completed=done),
                )
            return report
        finally:
            await services.close()

    report = asyncio.run(run())
    table = Table(
        "mode",
        "nDCG@10",
        "Recall@100",
        "MRR@10",
        "p50 ms",
        "p95 ms",
        title=f"{report.dataset} ({report.split}): {report.queries} queries, {report.documents} documents",
    )
    for mode, r in report.results.items():
        table.add_row(
            mode,
            f"{r.ndcg10:.4f}",
            f"{r.recall100:.4f}",
            f"{r.mrr10:.4f}",
            f"{r.p50_ms:.2f}",
            f"{r.p95_ms:.2f}",
        )
    stdout().print(table)
    if json_file is not None:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(report.as_json(), indent=2) + "\n", encoding="utf-8")
        json_file.with_suffix(".md").write_text(_markdown(report), encoding="utf-8")


def _markdown(report: EvalReport) -> str:
    lines = [
        f"# {report.dataset} ({report.split}): {report.queries} queries, {report.documents} documents",
        "",
        f"Ingested through the normal pipeline in {report.ingest_s:.0f} s; latency includes query embedding.",
        "",
        "| mode | nDCG@10 | Recall@100 | MRR@10 | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for mode, r in report.results.items():
        lines.append(
            f"| {mode} | {r.ndcg10:.4f} | {r.recall100:.4f} | {r.mrr10:.4f} | {r.p50_ms:.2f} | {r.p95_ms:.2f} |"
        )
    return "\n".join(lines) + "\n"
