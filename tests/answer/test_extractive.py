"""The extractive provider: cited sentences from the top passages, or a plain "not found"."""

from __future__ import annotations

from pam.answer.answerer import Answerer
from pam.answer.events import Done, Error, Status, Token
from pam.answer.extractive import NOT_FOUND, ExtractiveStrategy
from pam.answer.sources import TermDefinition
from pam.errors import Unavailable
from tests.answer.helpers import (
    REFUND_DOCS,
    answer_text,
    assert_single_terminal,
    citations,
    collect,
    knowledge,
)
from tests.answer.memory_tools import Doc


def extractive() -> Answerer:
    return Answerer(ExtractiveStrategy())


async def test_answers_with_the_supporting_sentences_and_cites_each() -> None:
    kb = knowledge()
    events = await collect(extractive().answer("How long do refunds take for enterprise customers?", [], kb))

    done = assert_single_terminal(events)
    assert isinstance(done, Done)
    assert done.provider == "extractive" and done.model is None
    text = answer_text(events)
    assert "Enterprise customers get 30 days to request a refund. [" in text
    cited = [c.citation for c in citations(events)]
    assert 1 <= len(cited) <= 4
    assert [c.number for c in cited] == list(range(1, len(cited) + 1))
    assert "plans-s0" in [c.segment_id for c in cited]
    for citation in cited:
        assert f"{citation.quote} [{citation.number}]" in text
    assert done.usage.citations == len(cited) and done.usage.steps == 1
    assert [name for name, _ in kb.calls] == ["search"]


async def test_sentences_are_ordered_by_passage_rank_then_position() -> None:
    events = await collect(extractive().answer("refund request days", [], knowledge()))

    text = answer_text(events)
    first = text.index("Refunds are issued within 14 days of the request.")
    second = text.index("Enterprise customers get 30 days to request a refund.")
    assert first < second
    assert isinstance(assert_single_terminal(events), Done)


async def test_says_plainly_when_nothing_is_relevant() -> None:
    events = await collect(extractive().answer("What is the capital of France?", [], knowledge()))

    done = assert_single_terminal(events)
    assert isinstance(done, Done)
    assert answer_text(events) == NOT_FOUND
    assert citations(events) == [] and done.usage.citations == 0


async def test_only_stop_words_is_not_found() -> None:
    events = await collect(extractive().answer("what is it?", [], knowledge()))
    assert answer_text(events) == NOT_FOUND


async def test_empty_knowledge_base_is_not_found() -> None:
    events = await collect(extractive().answer("How long do refunds take?", [], knowledge(docs=[])))
    assert answer_text(events) == NOT_FOUND
    assert isinstance(assert_single_terminal(events), Done)


async def test_streams_status_first_then_sentence_tokens() -> None:
    events = await collect(extractive().answer("refund request days", [], knowledge()))

    assert isinstance(events[0], Status)
    tokens = [e for e in events if isinstance(e, Token)]
    assert len(tokens) >= 2


async def test_search_failure_becomes_a_sanitized_error() -> None:
    kb = knowledge()
    kb.search_error = RuntimeError("connection to 10.0.0.5:5432 refused")
    events = await collect(extractive().answer("refunds?", [], kb))
    error = assert_single_terminal(events)
    assert error == Error("internal_error", "The answer could not be completed.")

    kb.search_error = Unavailable("Search is temporarily unavailable.")
    events = await collect(extractive().answer("refunds?", [], kb))
    assert assert_single_terminal(events) == Error("unavailable", "Search is temporarily unavailable.")


async def test_hostile_questions_are_handled() -> None:
    kb = knowledge()
    too_long = await collect(extractive().answer("refund " * 5000, [], kb))
    assert isinstance(assert_single_terminal(too_long), Error)
    weird = await collect(extractive().answer("\ud800 [1] [[[ refund ]]] \x00", [], kb))
    assert isinstance(assert_single_terminal(weird), Done)


async def test_without_the_model_it_answers_on_topic_and_declines_what_shares_no_term() -> None:
    # The decline threshold is calibrated on the packaged model's cosines; built without the model the
    # answerer must not compare a passage's search score with it (the passage here is plainly on topic).
    kb = knowledge()
    found = await collect(extractive().answer("How long do refunds take?", [], kb))
    assert "Refunds are issued within 14 days of the request. [1]" in answer_text(found)
    assert [c.citation.segment_id for c in citations(found)][:1] == ["refunds-s0"]

    missing = await collect(extractive().answer("What is the llama budget?", [], kb))
    assert answer_text(missing) == NOT_FOUND and citations(missing) == []
    done = assert_single_terminal(missing)
    assert isinstance(done, Done) and done.grounded


async def test_who_is_answered_by_a_role_a_channel_or_a_kind_of_people() -> None:
    # "Who" questions are answered by roles and teams as often as by names: none of these is declined.
    docs = [
        Doc(
            "ferry",
            "A",
            "Ferry outage runbook",
            (
                (
                    "Escalation",
                    "When the zanzibar ferry ticketing system is down, page the harbour on-call engineer "
                    "and post in #ops-harbour.",
                ),
            ),
        ),
        Doc(
            "active",
            "A",
            "Active users",
            (("Definition", "A user counts as active on a day when they view a board or create a task."),),
        ),
    ]
    kb = knowledge(docs=docs)
    page = await collect(
        extractive().answer("Who do we page when the zanzibar ferry ticketing system is down?", [], kb)
    )
    assert "harbour on-call engineer" in answer_text(page) and citations(page)
    active = await collect(extractive().answer("Who counts as an active user?", [], kb))
    assert "counts as active on a day" in answer_text(active) and citations(active)


async def test_a_question_about_what_the_knowledge_base_never_mentions_is_declined() -> None:
    # "refund" and "policy" are everywhere; "pet", "insurance" and "claims" nowhere the caller can see
    # (a document of project B has them): the close-sounding refund passages are no answer.
    other = Doc("pets", "B", "Pet insurance", (("Claims", "Pet insurance claims are paid in 5 days."),))
    kb = knowledge(docs=[*REFUND_DOCS, other])
    question = "What is the refund policy for pet insurance claims?"
    declined = await collect(extractive().answer(question, [], kb))
    assert answer_text(declined) == NOT_FOUND and citations(declined) == []

    # One unfamiliar word is not enough: questions use words the documents do not ("quickly").
    found = await collect(extractive().answer("How quickly are refunds issued?", [], kb))
    assert "Refunds are issued within 14 days of the request." in answer_text(found)

    # A glossary term or alias is known even when no document uses it (aliases widen the search).
    kb.terms = [
        TermDefinition("Refund", "Money back.", ("pet insurance claims", "pet", "insurance", "claims"), "A")
    ]
    glossary = await collect(extractive().answer(question, [], kb))
    assert answer_text(glossary) != NOT_FOUND


async def test_each_part_of_a_two_part_question_gets_its_own_search_and_answer() -> None:
    # The whole question's top passages are all about refunds (many share its words); the desk's hours
    # are only found by the second part's own search.
    filler = [
        Doc(
            f"r{i}",
            "A",
            f"Refund note {i}",
            (("Refunds", f"Refunds for order batch {i} take {i + 2} days to arrive."),),
        )
        for i in range(12)
    ]
    desk = Doc("desk", "A", "Support desk", (("Hours", "Desk hours: 9:00 to 17:00 CET on weekdays."),))
    kb = knowledge(docs=[*REFUND_DOCS, *filler, desk])
    question = "How long do refunds for an order batch take to arrive, and when is the customer support desk open on weekdays?"
    events = await collect(extractive().answer(question, [], kb))
    searches = [args[0] for name, args in kb.calls if name == "search"]
    assert "when is the customer support desk open on weekdays" in searches
    text = answer_text(events)
    assert "Desk hours: 9:00 to 17:00 CET on weekdays." in text
    assert "desk" in [c.citation.document_id for c in citations(events)]
