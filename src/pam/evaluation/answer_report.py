"""The JSON form of an answer evaluation, shared by `pam eval answers --json` and the benchmark."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pam.evaluation.answer_scoring import AnswerReport

MAX_ANSWER_CHARS = 2_000


def report_json(report: AnswerReport) -> dict[str, Any]:
    return {
        "questions_total": len(report.scores),
        "correct_share": round(report.headline(), 3),
        "errors": report.errors,
        "faithfulness": report.faithfulness,
        "completeness": report.completeness,
        "groups": {name: asdict(rates) for name, rates in report.groups.items()},
        "questions": [
            {
                "id": s.case.id,
                "kind": s.case.kind,
                "question": s.case.question,
                "history": list(s.case.history),
                "unanswerable": s.case.unanswerable,
                "correct": s.correct,
                "declined": s.declined,
                "cited_expected": s.cited_expected,
                "holds_expected": s.holds_expected,
                "faithfulness": s.faithfulness,
                "completeness": s.completeness,
                "ttft_ms": s.run.ttft_ms,
                "total_ms": s.run.total_ms,
                "error": s.run.error,
                "cited": [doc.uri or doc.title for doc in s.run.cited],
                "answer": s.run.answer[:MAX_ANSWER_CHARS],
            }
            for s in report.scores
        ],
    }
