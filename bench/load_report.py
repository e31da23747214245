"""The load benchmark's JSON payload and markdown tables."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bench.common import markdown_table
from bench.load_clients import EndpointStats
from bench.load_run import Ingestion, Progress, RunResult


def _ms(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}"


def total_errors(runs: dict[str, RunResult]) -> int:
    return sum(s.errors for r in runs.values() for phase in _phases(r) for s in phase[1].values())


def _phases(r: RunResult) -> list[tuple[str, dict[str, EndpointStats], float]]:
    i = r.ingestion
    # A cancel that had not settled: the runner was still embedding its last batch (nothing is written).
    after = "after" if i.completed or i.cancel_settle_s is not None else "after cap (cancel still pending)"
    return [
        ("during ingestion", r.during, r.during_s),
        (after, r.after, r.after_s),
        ("capacity (no pacing)", r.capacity, r.capacity_s),
    ]


def payload(runs: dict[str, RunResult], extra: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {**extra, "modes": {name: asdict(r) for name, r in runs.items()}}
    if "scaleout" in runs and "embedded" in runs:
        a, b = runs["scaleout"].ingestion, runs["embedded"].ingestion
        out["scaleout_vs_embedded_docs_per_s"] = (
            round(a.docs_per_s / b.docs_per_s, 3) if b.docs_per_s else None
        )
    return out


def from_json(modes: dict[str, Any]) -> dict[str, RunResult]:
    """The runs back from load.json (to re-render the markdown without re-running)."""

    def stats(d: dict[str, Any]) -> dict[str, EndpointStats]:
        return {e: EndpointStats(**v) for e, v in d.items()}

    runs = {}
    for name, r in modes.items():
        i = dict(r["ingestion"])
        i["timeline"] = [Progress(**t) for t in i["timeline"]]
        runs[name] = RunResult(
            **{**r, "ingestion": Ingestion(**i)} | {k: stats(r[k]) for k in ("during", "after", "capacity")}
        )
    return runs


def _latency_rows(runs: dict[str, RunResult]) -> list[list[Any]]:
    rows = []
    for mode, r in runs.items():
        for phase, stats, seconds in _phases(r):
            for endpoint, s in stats.items():
                rows.append(
                    [
                        mode,
                        f"{phase} ({seconds:.0f} s)",
                        endpoint,
                        s.requests,
                        s.requests_per_s,
                        _ms(s.p50_ms),
                        _ms(s.p95_ms),
                        _ms(s.p99_ms),
                        s.errors,
                        f"{s.cached_share:.0%}",
                    ]
                )
    return rows


def _ingest_rows(runs: dict[str, RunResult]) -> list[list[Any]]:
    rows = []
    for mode, r in runs.items():
        i = r.ingestion
        state = "yes" if i.completed else f"no: capped, then {i.status}"
        settle = "–" if i.cancel_settle_s is None else f"{i.cancel_settle_s:.0f}"
        rows.append(
            [
                mode,
                state,
                f"{i.processed}/{i.total}",
                i.segments_created,
                i.queue_wait_s,
                i.task_elapsed_s,
                i.docs_per_s,
                i.segments_per_s,
                i.failed,
                settle,
                i.rate_basis,
            ]
        )
    return rows


def _start_up(p: dict[str, Any]) -> list[str]:
    """Catch-up from the preloaded segments, server memory, and how soon a write is searchable everywhere."""
    up = p.get("start_up") or {}
    rows = []
    mib = 1 << 20
    for mode in ("scaleout", "embedded"):
        caught = up.get(f"{mode}_servers_caught_up_s", up.get(f"{mode}_server_caught_up_s"))
        rss = up.get(f"{mode}_server_rss_bytes") or {}
        vis = up.get(f"{mode}_visibility") or {}
        if caught is None and not vis:
            continue
        rows.append(
            [
                mode,
                f"{p.get('preloaded_segments', 0):,}",
                caught if caught is not None else "-",
                ", ".join(f"{name} {b / mib:.0f}" for name, b in rss.items()) or "-",
                f"{vis.get('after_commit_p50_s', '-')} / {vis.get('after_commit_p95_s', '-')}",
                f"{vis.get('end_to_end_p50_s', '-')} / {vis.get('end_to_end_p95_s', '-')}",
                f"{vis.get('probes', 0) - vis.get('not_found', 0)} of {vis.get('probes', 0)}",
            ]
        )
    if not rows:
        return []
    return [
        "## Start-up and replication\n",
        "Catch-up: from starting the servers to every one answering healthy (its replica has applied the "
        "preloaded segments). Visible everywhere: one small document uploaded through one server (in turn); "
        "from its task completing (the write committed) / from the upload request, until every server's "
        "search finds its unique word.\n",
        markdown_table(
            [
                "mode",
                "preloaded segments",
                "catch-up s",
                "server RSS MiB",
                "visible everywhere after commit p50 / p95 s",
                "upload to visible p50 / p95 s",
                "probes found",
            ],
            rows,
        ),
    ]


def markdown(runs: dict[str, RunResult], p: dict[str, Any]) -> str:
    cfg = p["config"]
    ratio = p.get("scaleout_vs_embedded_docs_per_s")
    pacing = (
        f"each at most one request per {cfg['pace_s']} s" if cfg["pace_s"] else "closed loop (no think time)"
    )
    lines = [
        f"# Load test: scale-out mode against the embedded mode ({p['corpus']['files']} files)\n",
        f"Machine: {p['machine_note']}. Search index in the scale-out mode: `{p['search_index']}`.\n",
        f"Load: {cfg['search_clients']} search + {cfg['chat_clients']} chat clients split round-robin over "
        f"the servers, {pacing} during and after ingestion, then {cfg['capacity_s']:.0f} s with no think "
        "time (capacity). Chat = extractive provider. Search k changes on each lap of the query list, so no "
        "(query, k) repeats (cache hits would measure the cache). Rate limits off "
        "(PAM_RATE_LIMIT_SEARCH/CHAT_PER_MINUTE=0): this measures capacity, not the limiter.\n",
        f"Scale-out: {p['topology']['scaleout']}. Embedded: {p['topology']['embedded']}.\n",
        f"Requests with any non-2xx answer or exception: **{total_errors(runs)}** (target 0).\n",
        "## Ingestion under load\n",
        markdown_table(
            [
                "mode",
                "completed",
                "documents",
                "segments",
                "queue wait s",
                "task s",
                "docs/s",
                "segments/s",
                "failed",
                "cancel took s",
                "rate taken from",
            ],
            _ingest_rows(runs),
        ),
    ]
    if ratio is not None:
        lines.append(f"Ingestion throughput, scale-out ÷ embedded (docs/s): **{ratio}**.\n")
    lines += _start_up(p)
    lines += [
        "## Requests (latency of successful requests, ms)\n",
        markdown_table(
            ["mode", "phase", "endpoint", "requests", "req/s", "p50", "p95", "p99", "errors", "cached"],
            _latency_rows(runs),
        ),
        "## CPU seconds used per process (user + system, children included)\n",
        markdown_table(
            ["mode", "process", "cpu s"],
            [[m, name, s] for m, per in p["cpu_seconds"].items() for name, s in per.items()],
        ),
        "## Notes\n",
        *[f"- {n}" for n in p.get("notes", [])],
        *[
            f"- {m}: the cancel requested at the cap had not taken effect after the wait (the runner checks "
            "between embedding batches, and one batch took about a minute under this load); the 'after' "
            "phase therefore began while that last batch was still embedding (its result is not written)."
            for m, r in runs.items()
            if not r.ingestion.completed and r.ingestion.cancel_settle_s is None
        ],
        "",
        "Each server's health at the end (index generation = outbox rows applied):\n",
    ]
    for mode, r in runs.items():
        for n, components in enumerate(r.final_health):
            shown = "; ".join(
                f"{k} {v}" for k, v in components.items() if k in ("database", "index", "queue")
            )
            lines.append(f"- {mode} server {n + 1}: {shown or components}")
    lines.append("")
    for mode, r in runs.items():
        for phase, stats, _ in _phases(r):
            for endpoint, s in stats.items():
                lines += [f"- error ({mode}, {phase}, {endpoint}): `{e}`" for e in s.error_examples]
    return "\n".join(lines) + "\n"
