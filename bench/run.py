"""`make bench`: every benchmark in turn, each writing bench/results/NAME.json and NAME.md.

Benchmarks are measurements, not tests: they print what they measured, on what data, with what
settings. The machine is shared and noisy; compare ratios and medians, not single timings.
"""

from __future__ import annotations

import subprocess
import sys
import time

from bench.common import RESULTS, ROOT, SCIFACT

BENCHES: list[tuple[str, list[str]]] = [
    ("embedder", [sys.executable, "-m", "bench.embedder_bench"]),
    ("ingest", [sys.executable, "-m", "bench.ingest_bench"]),
    (
        "scifact",
        [sys.executable, "-m", "pam.cli.main", "eval", str(SCIFACT), "--json", str(RESULTS / "scifact.json")],
    ),
    ("engines", [sys.executable, "-m", "bench.engines_bench"]),
    (
        "ann",
        [sys.executable, "-m", "bench.ann_bench", "--sizes", "100000,1000000", "--out", "ann_libraries"],
    ),
    ("peers", [sys.executable, "-m", "bench.peers_bench"]),
    ("answers", [sys.executable, "-m", "bench.answers_bench"]),
    ("grounding", [sys.executable, "-m", "bench.grounding_bench"]),
    ("mcp", [sys.executable, "-m", "bench.mcp_bench"]),
    ("postgres", [sys.executable, "-m", "bench.pg_bench"]),
    ("load", [sys.executable, "-m", "bench.load_bench"]),
    ("connectors", [sys.executable, "-m", "bench.connectors_bench"]),
]


def main(selected: list[str]) -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    failed = []
    for name, command in BENCHES:
        if selected and name not in selected:
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call(command, cwd=ROOT)
        print(f"=== {name}: exit {code} in {time.perf_counter() - started:.0f} s ===", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
