"""The markdown table of the answer benchmark (bench/results/answers.md)."""

from __future__ import annotations

from typing import Any

from bench.common import markdown_table

HEADERS = [
    "answerer",
    "n",
    "cite an expected document",
    "grounded",
    "grounded with a citation, or marked not grounded",
    "errors",
    "empty",
    "TTFT p50 ms",
    "TTFT p95 ms",
    "total p50 ms",
    "tool calls / answer",
]


def report(result: dict[str, Any]) -> str:
    summary = result["summary"]
    rows = [
        [
            name,
            s["n"],
            s["cited_expected_share"],
            s["grounded_share"],
            s["accounted_share"],
            sum(s["errors"].values()),
            s["empty_answers"],
            s["ttft_ms_p50"],
            s["ttft_ms_p95"],
            s["total_ms_p50"],
            s["mean_tool_calls"],
        ]
        for name, s in summary.items()
    ]
    outcomes = [
        f"- {name}: actions {s['actions']}; reasons not grounded {s['ungrounded_reasons'] or 'none'}; "
        f"errors {s['errors'] or 'none'}"
        for name, s in summary.items()
    ]
    setups = [f"- {name}: {detail}" for name, detail in result["answerers"].items()]
    by_kind = _by_kind(result["rows"], list(summary))
    return (
        "# Answers on the sample handbook, side by side\n\n"
        + f"Questions answered: {result.get('questions_done', '?')}.\n\n"
        "Every question went to every answerer in turn (same machine load). `PAM_UNGROUNDED=flag`: "
        "an answer the grounding check does not pass stands, marked `grounded: false`, with the "
        "extractive answer offered beside it; an empty one is replaced by it.\n\n"
        + markdown_table(HEADERS, rows)
        + "\nCited an expected document, by kind of question:\n\n"
        + by_kind
        + "\nOutcomes:\n\n"
        + "\n".join(outcomes)
        + "\n\nAnswerers:\n\n"
        + "\n".join(setups)
        + "\n"
    )


def _by_kind(rows: list[dict[str, Any]], names: list[str]) -> str:
    kinds = sorted({r["kind"] for r in rows})
    table = []
    for name in names:
        line: list[Any] = [name]
        for kind in kinds:
            mine = [r for r in rows if r["answerer"] == name and r["kind"] == kind]
            line.append(round(sum(r["cited_expected"] for r in mine) / len(mine), 3) if mine else "")
        table.append(line)
    return markdown_table(["answerer", *kinds], table)
