"""`pam eval answers QUESTIONS.jsonl`: how well the knowledge base answers a team's own questions, and
`pam eval retrieval DATASET_DIR` (also `pam eval DATASET_DIR`): retrieval quality on a BEIR dataset.

The question file format is in `pam.evaluation.answer_cases` (and the README). Questions are asked
through the same chat use case as the API, so the figures are what users get.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table
from typer.core import TyperGroup

from pam.access import LOCAL_ADMIN
from pam.cli import eval_cmd
from pam.cli.output import fail, stderr, stdout
from pam.cli.runtime import run_with_services
from pam.evaluation.answer_cases import load_cases
from pam.evaluation.answer_judge import AnswerJudge
from pam.evaluation.answer_report import report_json
from pam.evaluation.answer_run import AnswerEvaluation
from pam.evaluation.answer_scoring import AnswerReport
from pam.services.chat import ChatFilters
from pam.services.container import Services


class _DefaultToRetrieval(TyperGroup):
    """`pam eval DATASET_DIR` keeps working: an argument that is no subcommand is a BEIR dataset."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["retrieval", *args]
        return super().parse_args(ctx, args)


eval_app = typer.Typer(
    cls=_DefaultToRetrieval,
    help="Evaluate: answers to your own questions (`answers`), or retrieval on a BEIR dataset (`retrieval`).",
    no_args_is_help=True,
)
eval_app.command("retrieval")(eval_cmd.eval_command)


@eval_app.command("answers")
def answers(
    questions: Annotated[
        Path,
        typer.Argument(
            help="JSON lines: question, expected_documents, expected_answer_contains, unanswerable, history."
        ),
    ],
    project: Annotated[list[str] | None, typer.Option("--project", "-p", help="Only these projects.")] = None,
    fail_under: Annotated[
        float | None,
        typer.Option(
            min=0.0, max=1.0, help="Exit 1 when the share of questions handled right is below this."
        ),
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the results to this JSON file.")
    ] = None,
    judge: Annotated[
        bool,
        typer.Option("--judge", help="Also have the configured model grade faithfulness and completeness."),
    ] = False,
) -> None:
    """Ask every question of QUESTIONS.jsonl and report: cited expected document, expected values,
    unanswerable questions declined, time to first token (and, with --judge, an LLM's grades)."""
    cases = _load(questions)

    async def body(services: Services) -> tuple[AnswerReport, str]:
        grader = None
        if judge:
            if services.llm is None:
                fail("--judge needs a model: set PAM_LLM_PROVIDER (anthropic or openai) and its settings")
            grader = AnswerJudge(services.llm)
        evaluation = AnswerEvaluation(services.chat, services.conversations, services.sessions, judge=grader)
        scope = await services.auth.scope_of(LOCAL_ADMIN)
        with Progress(console=stderr(), transient=True) as bar:
            line = bar.add_task("questions", total=len(cases))
            report = await evaluation.run(
                scope,
                cases,
                ChatFilters(projects=project),
                progress=lambda done, _: bar.update(line, completed=done),
            )
        return report, services.chat.answerer.provider

    report, provider = run_with_services(body)
    stdout().print(_table(report, provider))
    if report.faithfulness is not None:
        stdout().print(
            f"LLM judge: faithfulness {report.faithfulness:.2f}, completeness {report.completeness:.2f}"
        )
    stdout().print(f"handled right: {report.headline():.3f} of {len(report.scores)} questions")
    if json_file is not None:
        payload: dict[str, Any] = {
            "provider": provider,
            "questions_file": questions.name,
            **report_json(report),
        }
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if fail_under is not None and report.headline() < fail_under:
        stderr().print(f"[bold red]below --fail-under {fail_under}[/]")
        raise typer.Exit(1)


def _load(path: Path) -> list[Any]:
    from pam.errors import PamError

    try:
        return load_cases(path)
    except PamError as exc:
        fail(exc.message)


def _table(report: AnswerReport, provider: str) -> Table:
    table = Table(
        "questions",
        "n",
        "cite an expected document",
        "hold the expected values",
        "declined",
        "TTFT p50 ms",
        "TTFT p95 ms",
        title=f"Answers ({provider}); declined is the goal for unanswerable questions only",
    )

    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:g}"

    for name, rates in report.groups.items():
        table.add_row(
            name,
            str(rates.n),
            cell(rates.cited_expected),
            cell(rates.expected_value),
            cell(rates.declined),
            cell(rates.ttft_p50_ms),
            cell(rates.ttft_p95_ms),
        )
    return table
