"""What is searched before the first model call: the question, or with the one before it."""

from __future__ import annotations

import pytest

from pam.answer.retrieval_query import retrieval_query
from pam.answer.strategy import HistoryTurn

HISTORY = [
    HistoryTurn("user", "How do we count daily active users?"),
    HistoryTurn("assistant", "From qualifying events [1]."),
]


@pytest.mark.parametrize(
    "follow_up",
    [
        "And weekly?",
        "What about the mobile app?",
        "Who owns it?",
        "and how is this metric reviewed every month?",
    ],
)
def test_a_follow_up_is_searched_with_the_previous_question(follow_up: str) -> None:
    assert retrieval_query(follow_up, HISTORY) == f"How do we count daily active users? {follow_up}"


def test_a_question_that_stands_alone_is_searched_as_it_is() -> None:
    question = "Which time zone decides what day an event belongs to for our product metrics?"
    assert retrieval_query(question, HISTORY) == question
    assert retrieval_query("And weekly?", []) == "And weekly?"
