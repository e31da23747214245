"""What an extractive answer can quote: sentences, lists and table rows kept with their lead-in, and
the kind of answer a question wants."""

from __future__ import annotations

import pytest

from pam.answer.answer_units import passage_units, trailing_lead
from pam.answer.question_kind import classify, question_parts

CONTENT = (
    "DAU counts distinct users. A user is active if they fired one of these events:\n\n"
    "- board_viewed – opened a board\n- task_created – created a task\n\n"
    "Field | Value\nOwner | Daniel Okafor\nVersion | v3\n"
)


def test_list_items_and_the_whole_list_carry_their_lead_in() -> None:
    units = passage_units(CONTENT)
    lead = "A user is active if they fired one of these events:"
    items = [u for u in units if u.kind == "item"]
    assert [u.text for u in items] == ["board_viewed – opened a board", "task_created – created a task"]
    assert all(u.lead == lead for u in items)
    whole = next(u for u in units if u.kind == "list")
    assert whole.shown.startswith(lead + "\n- board_viewed")


def test_table_rows_say_what_each_cell_is() -> None:
    rows = [u.text for u in passage_units(CONTENT) if u.kind == "row"]
    assert rows == ["Owner: Daniel Okafor", "Version: v3"]
    wide = passage_units("Dashboard | Owner | Refresh\nPulse | Aiko | 06:30\n")
    assert [u.text for u in wide if u.kind == "row"] == ["Pulse – Owner: Aiko; Refresh: 06:30"]


def test_a_sentence_that_points_back_is_quoted_with_the_one_before() -> None:
    units = passage_units(
        "You do not get ANALYST_PII by default. It expires after 90 days. These count:\n- a\n- b\n"
    )
    texts = [u.text for u in units if u.kind == "sentence"]
    assert "You do not get ANALYST_PII by default. It expires after 90 days." in texts
    assert "These count:" in texts  # a lead-in stays as written


def test_an_indented_run_in_plain_text_ends_where_the_indent_does() -> None:
    text = "Weekly cohorts so far:\n  W03 27.7%   W04 27.9%\n  W05 27.5%\nRahul starts ONB-31 on\n2026-02-23, 3 weeks."
    sentences = [u.text for u in passage_units(text)]
    assert "Rahul starts ONB-31 on 2026-02-23, 3 weeks." in sentences
    # an ordinary wrapped paragraph stays one sentence
    assert [u.text for u in passage_units("  The job runs at\nnight and retries twice.")] == [
        "The job runs at night and retries twice."
    ]


def test_a_lead_in_ending_the_previous_passage_is_found() -> None:
    assert trailing_lead("Intro. These six events count:") == "These six events count:"
    assert trailing_lead("No lead here.") == ""
    units = passage_units("- a thing\n- another thing\n", lead_before="These count:")
    assert all(u.lead == "These count:" for u in units)


@pytest.mark.parametrize(
    ("question", "kind", "want"),
    [
        ("What is a partial index?", "definition", "any"),
        ("How do we count daily active users?", "definition", "any"),
        ("How many workers run by default?", "value", "number"),
        ("How often does autovacuum run?", "value", "frequency"),
        ("Over what window is conversion counted?", "value", "duration"),
        ("How long is access kept?", "value", "duration"),
        ("When was the server shut down?", "value", "time"),
        ("Who owns the dashboard?", "value", "person"),
        ("Which Kubernetes version do we run?", "value", "version"),
        ("How do I restore a backup?", "procedure", "any"),
        ("Why do we use DuckDB?", "reason", "any"),
        ("Is MAU a calendar month?", "other", "any"),
    ],
)
def test_the_kind_of_answer_a_question_wants(question: str, kind: str, want: str) -> None:
    found = classify(question)
    assert (found.kind, found.want) == (kind, want)


def test_several_questions_in_one_are_parts_and_statements_stay_with_the_first() -> None:
    assert question_parts("When did X change, and what was the old rule?") == [
        "When did X change",
        "what was the old rule",
    ]
    assert question_parts("The job is late. How do I rerun it, and for how long?") == [
        "The job is late. How do I rerun it",
        "how long",
    ]
    assert classify("Which events do not count?").negated
