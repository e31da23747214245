"""Grounded answers with any model: retrieval before the first model call, the grounding check on
every answer, and what the ``ungrounded`` policy does with an answer that fails it."""

from __future__ import annotations

import pytest

from pam.answer.agent import AgentConfig, AgentStrategy
from pam.answer.answerer import Answerer, UngroundedPolicy
from pam.answer.events import Done, Status, Token, ToolCall
from pam.answer.extractive import NOT_FOUND, ExtractiveStrategy
from pam.answer.followup import standalone_question
from pam.answer.llm import LLM
from pam.answer.strategy import HistoryTurn
from tests.answer.helpers import answer_text, assert_single_terminal, citations, collect, knowledge
from tests.answer.memory_tools import Doc
from tests.fakes.model_script import QuoteSource, Reasoning, Text
from tests.fakes.model_server import FakeModelServer

QUESTION = "How long do refunds take?"
GROUNDED = "Refunds are issued within 14 days of the request [1]."
# The case: an invented definition, no citation, nothing telling the reader.
INVENTED = "Refunds are processed by the finance team every quarter, usually by bank transfer."


def answerer(llm: LLM, policy: UngroundedPolicy = "flag") -> Answerer:
    return Answerer(
        AgentStrategy(llm, AgentConfig(max_steps=3)), ungrounded=policy, fallback=ExtractiveStrategy()
    )


async def ask(llm: LLM, policy: UngroundedPolicy = "flag", question: str = QUESTION) -> tuple[Done, list]:  # type: ignore[type-arg]
    events = await collect(answerer(llm, policy).answer(question, [], knowledge()))
    done = assert_single_terminal(events)
    assert isinstance(done, Done), done
    return done, events


async def test_a_model_that_never_calls_a_tool_answers_grounded_from_the_passages_found_first(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text(GROUNDED)]])

    done, events = await ask(llm)

    assert answer_text(events) == GROUNDED
    assert done.grounded and done.grounding.reason is None and done.grounding.action == "shown"
    assert done.usage.tool_calls == 0 and done.usage.steps == 1
    assert [c.citation.segment_id for c in citations(events)] == ["refunds-s0"]
    assert not any(isinstance(e, ToolCall) for e in events)
    # One model call, whose question turn carried the numbered passage it cited.
    (request,) = model_server.requests
    asked = str(request.body["messages"][-1])
    assert "[1] Refund policy > Standard: Refunds are issued within 14 days" in asked
    assert asked.index("[1] Refund policy") < asked.index("Question: How long do refunds take?")


async def test_a_model_that_reads_its_prompt_cites_what_it_was_shown(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[QuoteSource()]])

    done, events = await ask(llm)

    assert answer_text(events) == "Refunds are issued within 14 days of the request [1]."
    assert done.grounded


async def test_a_citation_of_a_passage_never_shown_is_removed_and_the_answer_flagged(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script(
        [[Text("Refunds are issued within 14 days [1]. Gift cards are refunded too [6].")]]
    )

    done, events = await ask(llm)

    assert answer_text(events) == "Refunds are issued within 14 days [1]. Gift cards are refunded too."
    assert done.usage.invalid_citations == 1 and done.usage.citations == 1
    assert not done.grounded
    assert done.grounding.reason == "invalid_citation" and done.grounding.action == "flagged"
    alternative = done.grounding.alternative
    assert alternative is not None and "Refunds are issued within 14 days of the request." in alternative.text
    assert [c.number for c in alternative.citations] == list(range(1, len(alternative.citations) + 1))
    for citation in alternative.citations:
        assert f"[{citation.number}]" in alternative.text
    # The alternative is offered, not streamed into the model's answer.
    assert alternative.text not in answer_text(events)


async def test_an_invented_answer_with_no_citation_is_flagged_with_the_extractive_answer_beside_it(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text(INVENTED)]])

    done, events = await ask(llm)

    assert answer_text(events) == INVENTED
    assert not done.grounded and done.grounding.reason == "no_citations"
    assert done.grounding.alternative is not None and done.grounding.alternative.citations
    assert any(isinstance(e, Status) and e.stage == "checking" for e in events)


async def test_a_cited_claim_its_passage_does_not_support_is_flagged(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text("Refunds are paid quarterly by the finance team via bank transfer [1].")]])

    done, _ = await ask(llm)

    assert not done.grounded and done.grounding.reason == "unsupported"


async def test_replace_holds_the_answer_back_and_sends_the_extractive_one_instead(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text(INVENTED)]])

    done, events = await ask(llm, "replace")

    text = answer_text(events)
    assert "finance team" not in text and "Refunds are issued within 14 days of the request." in text
    assert done.grounded and done.grounding.reason == "no_citations" and done.grounding.action == "replaced"
    assert done.grounding.alternative is None
    assert done.usage.citations == len(citations(events)) >= 1
    # Every citation event still comes before the token showing its marker.
    for event in citations(events):
        marker = next(
            i for i, e in enumerate(events) if isinstance(e, Token) and f"[{event.citation.number}]" in e.text
        )
        assert events.index(event) < marker


async def test_replace_lets_a_grounded_answer_through_unchanged(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text("Refunds are issued "), Text("within 14 days of the request [1].")]])

    done, events = await ask(llm, "replace")

    assert answer_text(events) == GROUNDED
    assert done.grounded and done.grounding.action == "shown"
    assert [c.citation.segment_id for c in citations(events)] == ["refunds-s0"]


async def test_show_leaves_an_ungrounded_answer_as_it_is_but_says_so(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text(INVENTED)]])

    done, events = await ask(llm, "show")

    assert answer_text(events) == INVENTED
    assert not done.grounded and done.grounding.action == "shown" and done.grounding.alternative is None


@pytest.mark.parametrize(
    "turn",
    [
        [Text("")],
        [Text("   ")],
        [Text("<|im_end|>")],
        [Reasoning("Thinking about refunds but never answering.")],
    ],
    ids=["nothing", "spaces", "template-token", "reasoning-only"],
)
async def test_an_empty_answer_is_replaced_by_the_extractive_one_whatever_the_policy(
    llm: LLM,
    model_server: FakeModelServer,
    turn: list,  # type: ignore[type-arg]
) -> None:
    model_server.set_script([turn])

    done, events = await ask(llm, "show")

    assert "Refunds are issued within 14 days of the request." in answer_text(events)
    assert done.grounding.reason == "empty" and done.grounding.action == "replaced" and done.grounded


async def test_an_empty_answer_to_what_the_knowledge_base_lacks_is_replaced_by_a_grounded_decline(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text("")]])

    done, events = await ask(llm, "flag", question="What is the llama budget?")

    assert answer_text(events) == NOT_FOUND and not citations(events)
    assert done.grounding.reason == "empty" and done.grounding.action == "replaced" and done.grounded


async def test_a_template_leak_is_cut_and_the_answer_still_grounded(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script(
        [[Text("[/INST] " + GROUNDED + "<|im_end|>\n<|im_start|>user\nAnd gift cards? [2]")]]
    )

    done, events = await ask(llm)

    assert answer_text(events) == GROUNDED
    assert done.grounded and done.usage.invalid_citations == 0


async def test_an_answer_in_another_language_is_flagged(llm: LLM, model_server: FakeModelServer) -> None:
    model_server.set_script([[Text("退款在请求后 14 天内发放 [1]。退款会退回到原来的银行卡 [1]。")]])

    done, _ = await ask(llm)

    assert not done.grounded and done.grounding.reason == "wrong_language"


async def test_a_follow_up_is_searched_as_the_standalone_question_the_extractive_answerer_makes(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text("Enterprise customers get 30 days to request a refund [1].")]])
    kb = knowledge()
    history = [HistoryTurn("user", "How long do refunds take?"), HistoryTurn("assistant", "14 days [1].")]

    events = await collect(answerer(llm).answer("And for enterprise customers?", history, kb))

    done = assert_single_terminal(events)
    assert isinstance(done, Done) and done.grounded
    # One rewriting of follow-ups (followup.py) for both answerers: the search carries the earlier topic.
    query = kb.calls[0][1][0]
    assert query == standalone_question("And for enterprise customers?", history)
    assert "refunds" in query and "enterprise customers" in query
    # The model is asked the question as it was written, after the passages that search found.
    asked = str(model_server.requests[-1].body["messages"][-1])
    assert "Enterprise customers get 30 days" in asked and "Question: And for enterprise customers?" in asked


async def test_the_extractive_answerer_is_grounded_by_its_quotes_and_never_replaced() -> None:
    extractive = Answerer(ExtractiveStrategy(), ungrounded="replace", fallback=ExtractiveStrategy())

    found = await collect(extractive.answer(QUESTION, [], knowledge()))
    missing = await collect(extractive.answer("What is the llama budget?", [], knowledge()))

    done = assert_single_terminal(found)
    assert isinstance(done, Done) and done.grounded
    nothing = assert_single_terminal(missing)
    assert isinstance(nothing, Done) and answer_text(missing) == NOT_FOUND and not citations(missing)
    # A decline claims nothing, so it is grounded (and, being the extractive answer, never replaced).
    assert nothing.grounded and nothing.grounding.reason is None
    assert nothing.grounding.action == "shown" and nothing.grounding.alternative is None


async def test_the_extractive_alternative_reads_only_what_the_caller_may_read(
    llm: LLM, model_server: FakeModelServer
) -> None:
    secret = Doc("secret", "B", "Board memo", (("Refunds", "Refunds take 90 days for the secret plan."),))
    kb = knowledge(scope=frozenset({"A"}), docs=[*knowledge().docs, secret])
    model_server.set_script([[Text(INVENTED)]])

    events = await collect(answerer(llm).answer(QUESTION, [], kb))

    done = assert_single_terminal(events)
    assert isinstance(done, Done) and done.grounding.alternative is not None
    assert "90 days" not in done.grounding.alternative.text
    assert all(c.document_id != "secret" for c in done.grounding.alternative.citations)
