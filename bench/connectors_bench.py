"""GitHub connector throughput against folder ingestion of the same texts, and an incremental sync.

A fake GitHub (tests/fakes/github_api.py: the REST API's pagination, ETags and rate-limit headers,
on loopback) holds N issues and pull requests (default 10,000), every third with a comment; their
texts are halves of SciFact abstracts, so no two are alike. The same texts, rendered exactly as the
connector renders them, are also written as N Markdown files.

1. folder ingestion of the N files: items/s;
2. the GitHub source's first sync: items/s, and its ratio to (1) (target >= 0.7);
3. 10 changes (5 edited bodies, 5 new comments), then a sync: items fetched and embedded (must be
   10), requests made and how many of the listing's pages answered 304 Not Modified.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fakes.github_api import FakeGitHub, advance

from bench.common import SCIFACT, markdown_table, write
from pam.access import LOCAL_ADMIN
from pam.connectors.github import render_issue
from pam.evaluation import beir
from pam.logs import configure_logging
from pam.services.container import Services
from pam.services.sources import SourceSpec
from pam.settings import Settings
from pam.store.models import IngestionTask


def texts(count: int) -> list[tuple[str, str]]:
    """(title, body) pairs: each SciFact abstract split in two halves, so every text is distinct."""
    out: list[tuple[str, str]] = []
    # PAM_SCIFACT: the dataset's folder when the checkout is not beside shared/ (a worktree elsewhere).
    for doc_title, doc_text in beir.load(Path(os.environ.get("PAM_SCIFACT", SCIFACT))).corpus.values():
        words = doc_text.split()
        half = len(words) // 2
        for part, chunk in enumerate((words[:half], words[half:])):
            if len(chunk) >= 20:
                out.append((f"{doc_title[:80]} ({part + 1})", " ".join(chunk)))
        if len(out) >= count:
            break
    return out[:count]


def settings_for(root: Path) -> Settings:
    return Settings(_env_file=None, data_dir=root / "data", ingest_roots=[root], scheduler=False)  # type: ignore[call-arg]


async def run_task(services: Services, task_id: Any) -> tuple[IngestionTask, float]:
    started = time.perf_counter()
    await services.ingestion.wait(task_id)
    elapsed = time.perf_counter() - started
    async with services.sessions() as s:
        task = await s.get(IngestionTask, task_id)
    assert task is not None and task.status == "completed", task and (task.status, task.error)
    return task, elapsed


async def folder_run(root: Path, fake: FakeGitHub) -> tuple[IngestionTask, float]:
    folder = root / "issues"
    folder.mkdir(parents=True)
    for issue in fake.issues.values():
        json_issue = fake._issue_json(issue)  # the same payload the API serves
        (folder / f"issue-{issue.number}.md").write_text(
            render_issue(json_issue, issue.comments), encoding="utf-8"
        )
    services = await Services.start(settings_for(root), run_tasks=False)
    try:
        started = time.perf_counter()
        task = await services.ingestion.start_folder(
            await services.auth.scope_of(LOCAL_ADMIN), None, str(folder)
        )
        done, _ = await run_task(services, task.id)
        return done, time.perf_counter() - started
    finally:
        await services.close()


async def github_runs(root: Path, fake: FakeGitHub) -> dict[str, Any]:
    services = await Services.start(settings_for(root), run_tasks=False)
    try:
        scope = await services.auth.scope_of(LOCAL_ADMIN)
        config = {"repository": f"{fake.owner}/{fake.repo}", "api_url": fake.url}
        view = await services.sources.create(
            scope, SourceSpec("github", "bench", None, config, {"token": fake.token})
        )
        fake.http.clear_log()
        started = time.perf_counter()
        first, _ = await run_task(services, (await services.sources.sync(scope, view.source.id)).id)
        first_s = time.perf_counter() - started
        first_requests = len(fake.http.log)

        advance(fake, 120)
        numbers = sorted(fake.issues)
        for n in numbers[100:105]:
            fake.edit(n, body=fake.issues[n].body + " An edit made for the incremental benchmark.")
        for n in numbers[200:205]:
            fake.comment(n, f"A new comment on {n} for the incremental benchmark.")
        advance(fake, 120)
        fake.http.clear_log()
        started = time.perf_counter()
        second, _ = await run_task(services, (await services.sources.sync(scope, view.source.id)).id)
        second_s = time.perf_counter() - started
        log = list(fake.http.log)
        listing = [r for r in log if r.path.endswith("/issues")]
        return {
            "first": {"task": first, "seconds": first_s, "requests": first_requests},
            "incremental": {
                "task": second,
                "seconds": second_s,
                "requests": len(log),
                "listing_pages": len(listing),
                "listing_not_modified": sum(1 for r in listing if r.status == 304),
                "item_fetches": len([r for r in log if r.path.endswith("/comments")]),
            },
        }
    finally:
        await services.close()


async def main(count: int) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="pam-connectors-bench-"))
    fake = FakeGitHub(token="ghp_benchmark_token")
    try:
        for i, (title, body) in enumerate(texts(count)):
            comments = (
                [f"Comment {i}: reproduced on build {i * 7 + 3}, see the attached log."] if i % 3 == 0 else []
            )
            fake.add_issue(title, body, pull=i % 10 == 0, comments=comments)
        advance(fake, 120)
        folder, folder_s = await folder_run(scratch / "folder", fake)
        runs = await github_runs(scratch / "github", fake)
    finally:
        fake.close()
        shutil.rmtree(scratch, ignore_errors=True)
    first, inc = runs["first"], runs["incremental"]
    folder_rate = folder.succeeded / folder_s
    github_rate = first["task"].succeeded / first["seconds"]
    return {
        "items": count,
        "folder": {
            "seconds": round(folder_s, 1),
            "items_per_s": round(folder_rate, 2),
            "segments": folder.segments_embedded,
        },
        "github_first": {
            "seconds": round(first["seconds"], 1),
            "items_per_s": round(github_rate, 2),
            "segments": first["task"].segments_embedded,
            "requests": first["requests"],
        },
        "github_vs_folder": round(github_rate / folder_rate, 3),
        "incremental": {
            "seconds": round(inc["seconds"], 2),
            "items_listed": inc["task"].total,
            "items_written": inc["task"].succeeded,
            "segments_embedded": inc["task"].segments_embedded,
            "item_fetches": inc["item_fetches"],
            "requests": inc["requests"],
            "listing_pages": inc["listing_pages"],
            "listing_not_modified": inc["listing_not_modified"],
        },
    }


if __name__ == "__main__":
    configure_logging("warning", "console")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    r = asyncio.run(main(n))
    inc = r["incremental"]
    table = markdown_table(
        ["run", "seconds", "items/s", "segments embedded", "requests", "note"],
        [
            [
                "folder ingestion of the same texts",
                r["folder"]["seconds"],
                r["folder"]["items_per_s"],
                r["folder"]["segments"],
                "",
                "",
            ],
            [
                "GitHub first sync",
                r["github_first"]["seconds"],
                r["github_first"]["items_per_s"],
                r["github_first"]["segments"],
                r["github_first"]["requests"],
                f"GitHub ÷ folder = {r['github_vs_folder']} (target ≥ 0.7)",
            ],
            [
                "GitHub sync after 10 changes",
                inc["seconds"],
                "",
                inc["segments_embedded"],
                inc["requests"],
                f"{inc['items_written']} items written of {inc['items_listed']} listed; {inc['item_fetches']} comment fetches; "
                f"{inc['listing_not_modified']} of {inc['listing_pages']} listing pages 304",
            ],
        ],
    )
    write(
        "connectors",
        r,
        f"# Connectors: a fake GitHub with {r['items']} issues and pull requests (every third with a comment)\n\n"
        + table,
    )
