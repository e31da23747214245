"""The grounding check on finished answers: each rule, and the language check it ends with."""

from __future__ import annotations

import pytest

from pam.answer.citations import CitationStream
from pam.answer.grounding import GroundingCheck, Verdict
from pam.answer.language import answers_in_another_language, dominant_script
from pam.answer.source_book import SourceBook
from pam.answer.sources import Passage
from pam.answer.text_terms import TermAnalyzer

ANALYZER = TermAnalyzer()
QUESTION = "How is DAU defined?"
DAU = (
    "Daily active users (DAU) counts distinct users with at least one qualifying event in a UTC day. "
    "Qualifying events are board_viewed, task_created and comment_added; app_opened does not count."
)
REFUNDS = "Refunds are issued within 14 days of the request."


def passage(n: int, content: str) -> Passage:
    return Passage(f"s{n}", f"d{n}", f"Doc {n}", None, "", None, content, 0.5, "A")


def verdict(
    answer: str, *, question: str = QUESTION, evidence: str | None = None, declined: bool = False
) -> Verdict:
    book = SourceBook()
    book.add(passage(1, DAU))
    book.add(passage(2, REFUNDS), evidence=evidence)
    stream = CitationStream(book, ANALYZER)
    stream.feed(answer)
    stream.finish()
    return GroundingCheck(ANALYZER).verdict(question, stream.text, stream.claims, book, declined=declined)


@pytest.mark.parametrize(
    "answer",
    [
        "DAU counts distinct users with at least one qualifying event in a UTC day [1].",
        "DAU is the number of distinct users with a qualifying event (board_viewed, task_created, "
        "comment_added) per UTC day [1]. Opening the app alone does not count [1].",
        "Here is the definition.\n\nDAU counts distinct users with a qualifying event [1].",
        "[1] DAU counts distinct users.",
    ],
)
def test_answers_drawn_from_their_sources_are_grounded(answer: str) -> None:
    assert verdict(answer) == Verdict(True, None, verdict(answer).supported_claims, 0)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("DAU is the count of monthly paying subscribers.", "no_citations"),
        ("DAU counts distinct users [1]. Paying subscribers are excluded [7].", "invalid_citation"),
        ("DAU counts distinct users [9].", "invalid_citation"),
        ("DAU means revenue per paying subscriber, measured weekly in euros [1].", "unsupported"),
        ("DAU counts distinct users with a qualifying event [2].", "unsupported"),
    ],
)
def test_answers_not_drawn_from_their_sources_say_why(answer: str, reason: str) -> None:
    result = verdict(answer)
    assert not result.grounded and result.reason == reason


def test_a_decline_claims_nothing_and_is_grounded() -> None:
    declined = "I could not find this in the knowledge base."
    assert verdict(declined, declined=True) == Verdict(True)
    # The same words from a model that made no such decision are checked like any answer.
    assert verdict(declined).reason == "no_citations"
    # A "decline" that cites, or cites what it was never shown, is judged as the answer it is.
    assert verdict("Not found, but DAU means revenue per paying subscriber [1].", declined=True).reason == (
        "unsupported"
    )
    assert verdict("Not found [7].", declined=True).reason == "invalid_citation"
    assert verdict("", declined=True).reason == "empty"


def test_the_question_words_alone_are_no_support() -> None:
    # "DAU" and "defined" are in the question: a claim that only adds invented words is unsupported.
    assert verdict("DAU is defined by the finance team quarterly [1].").reason == "unsupported"


def test_a_query_result_supports_a_claim_through_its_rows() -> None:
    rows = "platform | events\nios | 1234\nandroid | 987"
    answer = "iOS had the most events, 1,234 in all [2]."
    assert verdict(answer, question="Which platform had most events?").reason == "unsupported"
    assert verdict(answer, question="Which platform had most events?", evidence=rows).grounded


@pytest.mark.parametrize(
    ("question", "answer", "other"),
    [
        (QUESTION, "DAU 是每个 UTC 日内至少有一个合格事件的不同用户数 [1]。", True),
        (
            QUESTION,
            "DAU cuenta los usuarios distintos con al menos un evento calificado en un día UTC, "
            "según la definición del equipo de producto para todas las plataformas móviles y web.",
            True,
        ),
        (QUESTION, "DAU counts distinct users with at least one qualifying event in a UTC day.", False),
        (
            "¿Cómo se define DAU?",
            "DAU cuenta los usuarios distintos con al menos un evento en un día.",
            False,
        ),
        ("DAU?", "DAU 是每个日内的不同用户数。", False),
        (QUESTION, "board_viewed, task_created, comment_added", False),
    ],
)
def test_an_answer_in_another_language_is_told_apart(question: str, answer: str, other: bool) -> None:
    assert answers_in_another_language(question, answer) is other


def test_a_chinese_answer_to_an_english_question_is_flagged_even_when_cited() -> None:
    result = verdict("DAU 是每个 UTC 日内 board_viewed task_created comment_added 的用户数 [1]。")
    assert result.reason == "wrong_language" and not result.grounded


def test_scripts() -> None:
    assert dominant_script("Daily active users per day") == "LATIN"
    assert dominant_script("DAU?") is None  # too few words to tell
    assert dominant_script("日活跃用户") == "CJK"
    assert dominant_script("DAU 是每个 UTC 日内 board_viewed task_created 的用户数") == "CJK"
    assert dominant_script("Ежедневные активные пользователи за день") == "CYRILLIC"
