"""The handbook's table questions: answered by query_data with SQL, and by table_answer for lookups."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pam.access import LOCAL_ADMIN, AccessScope, ProjectGrant
from pam.answer.source_book import SourceBook
from pam.answer.sources import ToolFilters
from pam.answer.table_tools import table_tools
from pam.answer.tools import Tool, ToolContext, ToolRegistry
from pam.data.table_answer import TableAnswerer
from pam.services.tables import TableService
from tests.answer.helpers import knowledge
from tests.data.conftest import Loaded

QUESTIONS = Path(__file__).resolve().parents[2] / "examples" / "handbook_questions.jsonl"

SQL = {
    "q35": "SELECT target FROM kpi_targets WHERE metric = 'wau' AND quarter = '2026-Q3'",
    "q36": "SELECT target, owner FROM kpi_targets WHERE metric = 'activation_rate' AND quarter = '2026-Q4'",
    "q37": "SELECT avg(target) FROM kpi_targets WHERE metric = 'd7_retention'",
    "q38": "SELECT max(target) FILTER (quarter = '2026-Q4') - max(target) FILTER (quarter = '2026-Q1') "
    "FROM kpi_targets WHERE metric = 'dau'",
    "q39": "SELECT count(*) FROM events WHERE event_name = 'signup_completed' AND country = 'DE'",
    "q40": "SELECT platform, count(*) AS n FROM events WHERE event_name = 'task_created' "
    "GROUP BY platform ORDER BY n DESC LIMIT 1",
    "q41": "SELECT CAST(event_time AS DATE) AS day, count(*) AS n FROM events GROUP BY day ORDER BY n DESC LIMIT 1",
    "q42": "SELECT count(*) FROM events WHERE user_id LIKE 'test\\_%' ESCAPE '\\'",
    "q43": "SELECT count(DISTINCT user_id) FROM events WHERE CAST(event_time AS DATE) = DATE '2026-03-10' "
    "AND user_id NOT LIKE 'test\\_%' ESCAPE '\\' AND event_name IN ('board_viewed', 'task_created', "
    "'task_completed', 'comment_added', 'file_uploaded', 'invite_sent')",
    "q44": "SELECT event_name FROM tracking_plan_event_name WHERE status = 'deprecated'",
}
LOOKUPS = ("q35", "q36", "q37", "q44")


def _tools(loaded: Loaded) -> list[Tool[Any]]:
    scope = AccessScope(LOCAL_ADMIN, (ProjectGrant(loaded.project_a, "handbook", "", "admin"),))
    return table_tools(TableService(loaded.catalog).for_scope(scope))


def _questions() -> dict[str, dict[str, object]]:
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    return {str(r["id"]): r for r in rows if r["kind"] == "table"}


def _contains_all(text: str, expected: object) -> bool:
    assert isinstance(expected, list)
    flat = text.lower().replace(",", "")
    return all(str(e).lower().replace(",", "") in flat for e in expected)


def test_every_table_question_has_sql() -> None:
    assert set(_questions()) == set(SQL)


@pytest.mark.parametrize("qid", sorted(SQL))
async def test_query_data_answers_the_table_questions(loaded: Loaded, qid: str) -> None:
    registry = ToolRegistry(_tools(loaded))
    ctx = ToolContext(knowledge=knowledge(), filters=ToolFilters(), sources=SourceBook())
    outcome = await registry.run("query_data", {"sql": SQL[qid]}, ctx)
    assert not outcome.is_error, outcome.content
    assert _contains_all(outcome.content, _questions()[qid]["expected_answer_contains"]), outcome.content
    # The result is a citable source: the table, quoting the SQL.
    assert outcome.content.startswith("[1] SQL: ")
    source = ctx.sources.get(1)
    assert source is not None and source.uri and source.uri.startswith("table://")
    assert source.content == SQL[qid]


async def test_list_tables_is_bounded_and_scoped(loaded: Loaded) -> None:
    registry = ToolRegistry(_tools(loaded))
    ctx = ToolContext(knowledge=knowledge(), filters=ToolFilters(), sources=SourceBook())
    listed = await registry.run("list_tables", {}, ctx)
    assert "kpi_targets (36 rows; from kpi_targets.csv; project handbook)" in listed.content
    assert "quarter VARCHAR e.g. 2026-Q1, 2026-Q2, 2026-Q3" in listed.content
    assert "salaries" not in listed.content
    elsewhere = await registry.run("list_tables", {"project": str(loaded.project_b)}, ctx)
    assert elsewhere.content == "No data tables are available."
    refused = await registry.run("query_data", {"sql": "SELECT * FROM salaries"}, ctx)
    assert refused.is_error and "unknown table 'salaries'" in refused.content


@pytest.mark.parametrize("qid", LOOKUPS)
def test_table_answer_answers_the_simple_lookups(loaded: Loaded, qid: str) -> None:
    question = _questions()[qid]
    answer = TableAnswerer(loaded.catalog, [loaded.project_a]).answer_now(str(question["question"]))
    assert answer is not None
    assert _contains_all(answer.text, question["expected_answer_contains"]), answer.text
    assert answer.table.name in answer.sql
    assert answer.sql == answer.result.sql


@pytest.mark.parametrize(
    "question",
    [
        "By how many users is the DAU target supposed to grow from 2026-Q1 to 2026-Q4?",  # two quarters
        "What does DAU mean?",
        "Who owns the dashboards?",
        "What was our pipeline SLA attainment in the last quarter of 2025?",
        "How many signup events in the events data came from Germany?",
    ],
)
def test_table_answer_stays_out_of_unclear_questions(loaded: Loaded, question: str) -> None:
    assert TableAnswerer(loaded.catalog, [loaded.project_a]).answer_now(question) is None


def test_table_answer_does_not_see_other_projects(loaded: Loaded) -> None:
    question = "What is the 2026-Q3 target for weekly active users?"
    assert TableAnswerer(loaded.catalog, [loaded.project_b]).answer_now(question) is None
