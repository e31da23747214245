"""Follow-up questions made standalone from the stored history (the extractive answerer's only search,
and LLM pre-retrieval)."""

from __future__ import annotations

import pytest

from pam.answer.followup import leans_on_context, standalone_question
from pam.answer.strategy import HistoryTurn


def turns(*texts: str) -> list[HistoryTurn]:
    return [HistoryTurn("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(texts)]


def test_a_slot_follow_up_replaces_the_slot_of_the_last_question() -> None:
    history = turns("What is the WAU target for 2026-Q1?", "100,000 [1]")
    assert standalone_question("And for Q3?", history) == "What is the WAU target for 2026-Q3?"
    assert standalone_question("what about 2027?", turns("Revenue in 2025?", "x")) == "Revenue in 2027?"


def test_a_pronoun_follow_up_gets_the_topic_and_the_names_the_last_answer_gave() -> None:
    history = turns("Which orchestrator runs our pipelines?", "Everything runs on Dagster since 2024 [1].")
    rewritten = standalone_question("When did the migration to it finish?", history)
    assert rewritten.startswith("When did the migration to it finish (") and rewritten.endswith(")?")
    assert "orchestrator" in rewritten and "Dagster" in rewritten and "[1]" not in rewritten


def test_a_chain_of_follow_ups_resolves_from_the_first_question() -> None:
    history = turns("What is the target for 2026-Q3?", "1,750 [1]", "And for Q2?", "1,450 [1]")
    rewritten = standalone_question("Who owns it?", history)
    assert "2026-Q2" in rewritten and "2026-Q3" not in rewritten


@pytest.mark.parametrize(
    "question",
    ["Where are the kayaks stored in winter?", "How do I request access to the finance dashboards?"],
)
def test_a_question_that_stands_alone_is_unchanged(question: str) -> None:
    assert not leans_on_context(question)
    assert standalone_question(question, turns("Who owns the revenue dashboard?", "Ana [1]")) == question


def test_no_history_or_only_assistant_turns_changes_nothing() -> None:
    assert standalone_question("Who owns it?", []) == "Who owns it?"
    assert standalone_question("Who owns it?", [HistoryTurn("assistant", "Hello")]) == "Who owns it?"


def test_hostile_history_is_bounded() -> None:
    long = "word " * 5_000 + "?"
    rewritten = standalone_question("And that?", turns(long, "x", long, "y") * 50)
    assert len(rewritten) < 400
