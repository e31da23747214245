"""Load test of the scale-out mode (2 `pam serve` + 2 `pam worker`, PostgreSQL + Redis) against the embedded one.

Everything runs on loopback and is started and stopped here: a throwaway PostgreSQL (pgserver),
a `redis-server`, the pam processes. While a folder of SciFact files is ingested, closed-loop
clients send searches and chats; then a short phase after ingestion. The same folder and load are
then run against one embedded `pam serve`. Bounded: each ingestion has a hard cap (then it is
cancelled and its partial throughput reported). `--quick` for trying it (results not written).

    python -m bench.load_bench [--quick] [--files N] [--duration S] [--cap S] [--modes scaleout,embedded]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any

import psutil
from tests.servers import PostgresServer

from bench import load_preload, load_visibility
from bench.common import RESULTS, SCIFACT, write
from bench.load_corpus import Corpus, read_queries, write_folder
from bench.load_procs import Processes, RedisProcess, free_port, pam_command, wait_healthy
from bench.load_report import from_json, markdown, payload, total_errors
from bench.load_run import LoadConfig, RunResult, run_load

HEALTH_TIMEOUT_S = 180.0
CACHE = Path(__file__).resolve().parent / ".cache"  # SciFact vectors (bench/engines_bench.py makes them)
SERVERS, WORKERS = 2, 2


def base_env(**pam: str) -> dict[str, str]:
    """The caller's environment without any PAM_ setting, plus exactly the ones given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
    env.update({f"PAM_{k.upper()}": v for k, v in pam.items()})
    return env


def common_settings(scratch: Path, data_dir: Path) -> dict[str, str]:
    return {
        "data_dir": str(data_dir),
        "ingest_roots": str(scratch),
        "log_level": "warning",
        "embed_workers": "1",
        "rate_limit_search_per_minute": "0",
        "rate_limit_chat_per_minute": "0",
    }


def cpu_seconds(procs: Processes, extra: dict[str, int]) -> dict[str, float]:
    """CPU used so far by each started process and its children (read before they are stopped)."""
    pids = {m.name: m.popen.pid for m in procs.started} | extra
    out = {}
    for name, pid in pids.items():
        try:
            p = psutil.Process(pid)
            total = sum(p.cpu_times()[:2])
            for child in p.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += sum(child.cpu_times()[:2])
            out[name] = round(total, 1)
        except psutil.Error:
            out[name] = -1.0
    return out


def server_rss(procs: Processes) -> dict[str, int]:
    """Resident memory of each `pam serve` (children included), once it has caught up."""
    out = {}
    for m in procs.started:
        if m.name.startswith("serve"):
            with contextlib.suppress(psutil.Error):
                proc = psutil.Process(m.popen.pid)
                out[m.name] = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(True))
    return out


def leftovers(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.Error:
            pass
    return alive


def health_timeout(preload: int) -> float:
    """Servers catch up with the preloaded segments before they answer healthy: allow for it."""
    return HEALTH_TIMEOUT_S + preload / 200


def run_scaleout(
    scratch: Path,
    corpus: Corpus,
    queries: list[str],
    cfg: LoadConfig,
    index: str,
    seen: list[int],
    preload: int = 0,
    timings: dict[str, Any] | None = None,
) -> tuple[RunResult, dict[str, float]]:
    procs = Processes(scratch / "logs")
    pg: PostgresServer | None = None
    try:
        pg = PostgresServer()
        seen.append(int(pg.server.get_pid()))
        pg.psql("CREATE DATABASE pamload")
        redis = RedisProcess(procs, scratch)
        env = base_env(
            **common_settings(scratch, scratch / "data-scaleout"),
            database_url=pg.url("pamload"),
            redis_url=redis.url,
            search_index=index,
            host="127.0.0.1",
        )
        subprocess.run(
            pam_command("db", "upgrade"), env=env, cwd=scratch, check=True, timeout=180, capture_output=True
        )
        if preload:
            done = load_preload.run(pg.url("pamload"), preload, SCIFACT, CACHE)
            print(f"scale-out: preloaded {done}", flush=True)
        ports = [free_port() for _ in range(SERVERS)]
        up_started = time.perf_counter()
        for n, port in enumerate(ports):
            # Each server keeps its own search replica, on its own disk.
            own = {"PAM_PORT": str(port), "PAM_INDEX_DIR": str(scratch / f"index-serve-{n + 1}")}
            procs.start(f"serve-{n + 1}", pam_command("serve"), {**env, **own}, cwd=scratch)
        for n in range(WORKERS):
            procs.start(f"worker-{n + 1}", pam_command("worker"), env, cwd=scratch)
        seen.extend(m.popen.pid for m in procs.started)
        servers = [f"http://127.0.0.1:{port}" for port in ports]
        for url in servers:
            wait_healthy(url, procs, health_timeout(preload))
        if timings is not None:
            timings["scaleout_servers_caught_up_s"] = round(time.perf_counter() - up_started, 1)
            timings["scaleout_server_rss_bytes"] = server_rss(procs)
        print(f"scale-out: {SERVERS} servers, {WORKERS} workers up; loading", flush=True)
        result = asyncio.run(run_load(servers, corpus.folder, queries, cfg))
        if timings is not None:
            timings["scaleout_visibility"] = asyncio.run(load_visibility.measure(servers))
            print(f"scale-out: visibility {timings['scaleout_visibility']}", flush=True)
        procs.check_alive()
        cpu = cpu_seconds(procs, {"postgres": int(pg.server.get_pid())})
        return result, cpu
    except BaseException:
        for m in procs.started:
            print(f"--- {m.name} (last lines) ---\n{m.log_tail()}", file=sys.stderr)
        raise
    finally:
        trouble = procs.stop_all()
        if pg is not None:
            pg.close()
        if trouble:
            print(f"needed force to stop: {trouble}", file=sys.stderr)


def run_embedded(
    scratch: Path,
    corpus: Corpus,
    queries: list[str],
    cfg: LoadConfig,
    seen: list[int],
    preload: int = 0,
    timings: dict[str, Any] | None = None,
) -> tuple[RunResult, dict[str, float]]:
    procs = Processes(scratch / "logs")
    try:
        port = free_port()
        data_dir = scratch / "data-embedded"
        env = base_env(**common_settings(scratch, data_dir), host="127.0.0.1", port=str(port))
        if preload:
            data_dir.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                pam_command("db", "upgrade"),
                env=env,
                cwd=scratch,
                check=True,
                timeout=180,
                capture_output=True,
            )
            url = f"sqlite+aiosqlite:///{(data_dir / 'pam.db').resolve()}"
            print(f"embedded: preloaded {load_preload.run(url, preload, SCIFACT, CACHE)}", flush=True)
        up_started = time.perf_counter()
        procs.start("serve-embedded", pam_command("serve"), env, cwd=scratch)
        seen.extend(m.popen.pid for m in procs.started)
        server = f"http://127.0.0.1:{port}"
        wait_healthy(server, procs, health_timeout(preload))
        if timings is not None:
            timings["embedded_server_caught_up_s"] = round(time.perf_counter() - up_started, 1)
            timings["embedded_server_rss_bytes"] = server_rss(procs)
        print("embedded: 1 server up; loading", flush=True)
        result = asyncio.run(run_load([server], corpus.folder, queries, cfg))
        if timings is not None:
            timings["embedded_visibility"] = asyncio.run(load_visibility.measure([server]))
            print(f"embedded: visibility {timings['embedded_visibility']}", flush=True)
        procs.check_alive()
        return result, cpu_seconds(procs, {})
    except BaseException:
        for m in procs.started:
            print(f"--- {m.name} (last lines) ---\n{m.log_tail()}", file=sys.stderr)
        raise
    finally:
        procs.stop_all()


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM (e.g. from a timeout wrapper) unwinds like Ctrl-C, so every `finally` stops its processes.
    raise KeyboardInterrupt


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.load_bench", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--quick", action="store_true", help="300 files, 60 s cap, short phases; prints, writes nothing"
    )
    ap.add_argument("--files", type=int, help="Markdown files to ingest (default 2000)")
    ap.add_argument("--duration", type=float, help="minimum seconds of client load per mode (default 75)")
    ap.add_argument(
        "--cap",
        type=float,
        help="hard cap on the ingestion phase, seconds (default 480: enough for 2,000 files on 2 quiet cores)",
    )
    ap.add_argument("--after", type=float, help="seconds of load after ingestion (default 20)")
    ap.add_argument("--search-clients", type=int, default=8)
    ap.add_argument("--chat-clients", type=int, default=2)
    ap.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="during/after ingestion: min seconds between a client's requests",
    )
    ap.add_argument("--capacity", type=float, help="seconds of closed-loop load at the end (default 15)")
    ap.add_argument("--rerender", action="store_true", help="only rewrite load.md from load.json")
    ap.add_argument("--index", choices=["auto", "embedded", "postgres"], default="auto")
    ap.add_argument("--modes", default="scaleout,embedded", help="comma-separated: scaleout, embedded")
    ap.add_argument(
        "--preload", type=int, default=0, help="segments already indexed before the run (e.g. 1000000)"
    )
    return ap.parse_args(argv)


def rerender() -> int:
    """Write load.md again from load.json (after a change to the report's layout)."""
    p = json.loads((RESULTS / "load.json").read_text(encoding="utf-8"))
    (RESULTS / "load.md").write_text(markdown(from_json(p["modes"]), p), encoding="utf-8")
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.rerender:
        return rerender()
    quick = args.quick
    files = args.files or (300 if quick else 2000)
    cfg = LoadConfig(
        search_clients=args.search_clients,
        chat_clients=args.chat_clients,
        duration_s=args.duration or (20.0 if quick else 75.0),
        cap_s=args.cap or (60.0 if quick else 480.0),
        after_s=args.after or (10.0 if quick else 20.0),
        pace_s=args.pace,
        capacity_s=args.capacity or (8.0 if quick else 15.0),
    )
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    signal.signal(signal.SIGTERM, _terminate)
    scratch = Path(tempfile.mkdtemp(prefix="pam-load-bench-"))
    (scratch / "logs").mkdir()
    seen: list[int] = []
    runs: dict[str, RunResult] = {}
    cpu: dict[str, dict[str, float]] = {}
    timings: dict[str, Any] = {}
    started = time.perf_counter()
    load_before = os.getloadavg()
    try:
        corpus = write_folder(SCIFACT, scratch / "corpus", files)
        queries = read_queries(SCIFACT)
        for mode in modes:
            if mode == "scaleout":
                runs[mode], cpu[mode] = run_scaleout(
                    scratch, corpus, queries, cfg, args.index, seen, args.preload, timings
                )
            elif mode == "embedded":
                runs[mode], cpu[mode] = run_embedded(
                    scratch, corpus, queries, cfg, seen, args.preload, timings
                )
            else:
                raise SystemExit(f"unknown mode {mode!r}")
            print(f"{mode}: {runs[mode].ingestion}", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        left = leftovers(seen)
        if left:
            print(f"WARNING: processes still running: {left}", file=sys.stderr)
    extra: dict[str, Any] = {
        "quick": quick,
        "machine_note": f"{os.cpu_count()} cores, shared with other work (load average before the run: "
        f"{load_before[0]:.2f}); compare ratios, not single timings",
        "load_average_before": [round(x, 2) for x in load_before],
        "search_index": args.index if args.index != "auto" else "auto (an embedded replica per server)",
        "preloaded_segments": args.preload,
        "start_up": timings,
        "config": {
            "files": files,
            "search_clients": cfg.search_clients,
            "chat_clients": cfg.chat_clients,
            "duration_s": cfg.duration_s,
            "cap_s": cfg.cap_s,
            "after_s": cfg.after_s,
            "pace_s": cfg.pace_s,
            "capacity_s": cfg.capacity_s,
            "search_k": "10, then 9, 8, ... on each lap of the query list (distinct cache keys)",
            "rate_limits": "off (0 per minute) for search and chat",
            "embed_workers_per_process": 1,
        },
        "corpus": {
            "markdown_files": corpus.markdown_files,
            "csv_files": corpus.csv_files,
            "files": corpus.files,
            "bytes": corpus.bytes,
        },
        "topology": {
            "scaleout": f"{SERVERS} pam serve (each with its own search replica) + {WORKERS} pam worker, "
            "PostgreSQL (pgserver, unix socket) + redis-server, one data dir",
            "embedded": "1 pam serve, SQLite + tantivy + in-memory vectors, tasks run in the server",
        },
        "cpu_seconds": cpu,
        "notes": [
            "One folder is one ingestion task, and a task runs on one worker: with a single folder the "
            "second `pam worker` stays idle (see its CPU seconds). More workers help with several tasks.",
            "Task counters move one embedding batch at a time (up to embed_batch_size × 32 = 512 chunks, "
            "~230 SciFact documents), so progress is a staircase; a capped run's rate is taken at the "
            "last step.",
        ],
        "leftover_processes": left,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    p = payload(runs, extra)
    table = markdown(runs, p)
    if quick:
        print(table)
    else:
        write("load", p, table)
    errors = total_errors(runs)
    if errors:
        print(f"WARNING: {errors} requests failed (non-2xx or exception); see the table", file=sys.stderr)
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
