"""The optional LLM judge of `pam eval answers`, against the fake model server in both wire protocols."""

from __future__ import annotations

from pam.answer.llm import LLM
from pam.evaluation.answer_judge import AnswerJudge, Verdict, parse_verdict
from tests.fakes.model_script import HttpError, Text
from tests.fakes.model_server import FakeModelServer


async def test_the_judge_grades_an_answer_from_the_model_reply(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text('{"faithfulness": 0.75, '), Text('"completeness": 1}')]])
    verdict = await AnswerJudge(llm).judge("How long?", "14 days [1].", ["Refunds take 14 days."])
    assert verdict == Verdict(0.75, 1.0)
    sent = model_server.requests[-1].body
    assert "Refunds take 14 days." in str(sent["messages"]) and "tools" not in sent


async def test_an_unreadable_reply_or_a_failing_model_leaves_the_answer_unjudged(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text("I think it is fine.")], [HttpError(500)]])
    judge = AnswerJudge(llm)
    assert await judge.judge("q", "a", []) is None
    assert await judge.judge("q", "a", []) is None


def test_verdicts_out_of_range_are_refused() -> None:
    assert parse_verdict('{"faithfulness": 2, "completeness": 0.5}') is None
    assert parse_verdict('{"faithfulness": "x", "completeness": 0.5}') is None
    assert parse_verdict('Sure: {"faithfulness": 0.5, "completeness": 0}') == Verdict(0.5, 0.0)
