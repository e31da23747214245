"""Scoring answers against a question set: the one implementation behind `pam eval answers` and the
benchmark. Loading refuses malformed files with the line number."""

from __future__ import annotations

import pytest

from pam.errors import InvalidInput
from pam.evaluation.answer_cases import AnswerCase, parse_cases
from pam.evaluation.answer_scoring import AnswerRun, CitedDocument, score_case, summarize

NOT_FOUND = "I could not find this in the knowledge base."


def case(**kw: object) -> AnswerCase:
    base: dict[str, object] = {"id": "q", "question": "How big?", "expected_documents": ("metrics/dau.md",)}
    return AnswerCase(**(base | kw))  # type: ignore[arg-type]


def test_expected_values_ignore_case_and_thousands_separators() -> None:
    run = AnswerRun("The target is 111,000 users [1].", (CitedDocument("metrics/dau.md", "DAU"),), 40.0)
    score = score_case(case(expected_values=("111000", "USERS")), run)
    assert score.cited_expected and score.holds_expected and not score.declined and score.correct


def test_a_document_counts_by_path_suffix_or_title() -> None:
    run = AnswerRun("x [1]", (CitedDocument("handbook/metrics/dau.md", "Daily Active Users"),), 1.0)
    assert score_case(case(), run).cited_expected
    assert score_case(case(expected_documents=("daily active users",)), run).cited_expected
    assert not score_case(case(expected_documents=("dau",)), run).cited_expected


def test_declines_count_for_unanswerable_questions_only() -> None:
    declined = AnswerRun(NOT_FOUND)
    assert score_case(case(expected_documents=(), unanswerable=True), declined).correct
    answered = score_case(case(), declined)
    assert answered.declined and not answered.correct and not answered.cited_expected
    cited_anyway = AnswerRun("I couldn't find the exact figure. [1]", (CitedDocument("a.md", "A"),))
    assert score_case(case(unanswerable=True, expected_documents=()), cited_anyway).declined


def test_errors_are_never_right() -> None:
    assert not score_case(
        case(unanswerable=True, expected_documents=()), AnswerRun("", error="llm_unavailable")
    ).correct


def test_the_summary_splits_text_table_follow_up_and_unanswerable() -> None:
    scores = [
        score_case(
            case(id="a", expected_values=("1",)),
            AnswerRun("1 [1]", (CitedDocument("metrics/dau.md", "x"),), 10.0),
        ),
        score_case(
            case(id="b", kind="table", expected_values=("2",)),
            AnswerRun("3 [1]", (CitedDocument("t", "t"),), 30.0),
        ),
        score_case(
            case(id="c", history=("earlier?",), expected_values=("1",)), AnswerRun(NOT_FOUND, (), 20.0)
        ),
        score_case(case(id="d", unanswerable=True, expected_documents=()), AnswerRun(NOT_FOUND, (), 5.0)),
    ]
    report = summarize(scores)
    assert report.groups["text"].n == 2 and report.groups["table"].n == 1
    assert report.groups["table"].expected_value == 0.0 and report.groups["table"].cited_expected == 0.0
    assert report.groups["follow_up"].declined == 1.0 and report.groups["unanswerable"].declined == 1.0
    assert report.groups["all"].ttft_p50_ms == 15.0
    assert report.headline() == 0.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json\n", "line 1: not valid JSON"),
        ("[1, 2]\n", "line 1: expected a JSON object"),
        ('{"question": "q"}\n', "line 1: give expected_documents"),
        ('{"question": "q", "unanswerable": true, "expected_documents": ["a"]}\n', "no expected documents"),
        ('{"question": "q", "expected_documents": "a.md"}\n', "must be a list"),
        ('{"question": "", "expected_documents": ["a"]}\n', "question must be"),
        ('{"question": "q", "expected_documents": ["a"], "kind": "chart"}\n', "kind must be"),
        ('{"question": "q", "expected_documents": ["a"], "surprise": 1}\n', "unknown field"),
        (
            '{"id": 1, "question": "q", "expected_documents": ["a"]}\n{"id": "1", "question": "r", "unanswerable": true}\n',
            "unique",
        ),
        ("\n\n", "no questions"),
    ],
)
def test_malformed_question_files_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_cases(text)


def test_a_full_line_loads_with_aliases_and_defaults() -> None:
    [loaded] = parse_cases(
        '{"question": " Who? ", "expected_values": ["Ana"], "history": ["Before?"], "kind": "table"}\n'
    )
    assert loaded == AnswerCase("line1", "Who?", (), ("Ana",), "table", False, ("Before?",))
    assert loaded.is_follow_up
