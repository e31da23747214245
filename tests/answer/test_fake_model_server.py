"""The fake model server speaks what the real SDKs expect, streamed and not, and runs standalone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import anthropic
import openai

from pam.answer.llm_messages import (
    ChatMessage,
    StopDelta,
    TextDelta,
    ToolResultPart,
    ToolUseDelta,
    ToolUsePart,
)
from tests.answer.helpers import make_llm
from tests.fakes.model_script import Delay, ModelScript, Text, ToolUse, parse_action
from tests.fakes.model_server import FakeModelServer

ROOT = Path(__file__).resolve().parents[2]


async def test_non_streaming_messages_with_the_anthropic_sdk(model_server: FakeModelServer) -> None:
    model_server.set_script([[Text("Hello "), Text("there"), ToolUse("lookup", {"q": 1}, id="toolu_1")]])
    client = anthropic.AsyncAnthropic(api_key="k", base_url=model_server.anthropic_base_url, max_retries=0)
    try:
        message = await client.messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
    finally:
        await client.close()
    assert message.stop_reason == "tool_use"
    assert [block.type for block in message.content] == ["text", "tool_use"]
    assert message.content[0].text == "Hello there"  # type: ignore[union-attr]
    assert message.content[1].input == {"q": 1}  # type: ignore[union-attr]
    assert model_server.requests[0].body["messages"] == [{"role": "user", "content": "hi"}]


async def test_non_streaming_chat_completion_with_the_openai_sdk(model_server: FakeModelServer) -> None:
    model_server.set_script([[Text("Hi"), ToolUse("lookup", {"q": 2})]])
    client = openai.AsyncOpenAI(api_key="k", base_url=model_server.openai_base_url, max_retries=0)
    try:
        completion = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
    finally:
        await client.close()
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "Hi"
    assert choice.message.tool_calls is not None
    assert json.loads(choice.message.tool_calls[0].function.arguments) == {"q": 2}  # type: ignore[union-attr]


async def test_providers_stream_deltas_and_send_tool_results_back(
    model_server: FakeModelServer, provider: str
) -> None:
    model_server.set_script([[Text("a"), Delay(0.01), Text("b"), ToolUse("t", {"x": [1, 2]})], [Text("c")]])
    llm = make_llm(provider, model_server)
    try:
        first = [
            d
            async for d in llm.stream(
                system="S", messages=[ChatMessage.user_text("q")], tools=[], tool_choice="auto", max_tokens=5
            )
        ]
        call = first[2]
        assert isinstance(call, ToolUseDelta)
        conversation = [
            ChatMessage.user_text("q"),
            ChatMessage(role="assistant", parts=(ToolUsePart(call.id, call.name, call.input),)),
            ChatMessage(role="user", parts=(ToolResultPart(call.id, "result text", is_error=True),)),
        ]
        second = [
            d
            async for d in llm.stream(
                system="S", messages=conversation, tools=[], tool_choice="auto", max_tokens=5
            )
        ]
    finally:
        await llm.aclose()
    assert first[:2] == [TextDelta("a"), TextDelta("b")]
    assert (call.name, call.input, call.input_error) == ("t", {"x": [1, 2]}, None)
    assert isinstance(first[3], StopDelta) and first[3].reason == "tool_use"
    assert (
        second[0] == TextDelta("c") and isinstance(second[-1], StopDelta) and second[-1].reason == "end_turn"
    )
    sent = model_server.requests[1].body
    assert "tools" not in sent
    if provider == "anthropic":
        assert sent["system"] == "S"
        assert sent["messages"][1]["content"][0] == {
            "type": "tool_use",
            "id": call.id,
            "name": "t",
            "input": {"x": [1, 2]},
        }
        assert sent["messages"][2]["content"][0] == {
            "type": "tool_result",
            "tool_use_id": call.id,
            "content": "result text",
            "is_error": True,
        }
    else:
        assert sent["messages"][0] == {"role": "system", "content": "S"}
        assert sent["messages"][2]["tool_calls"][0]["id"] == call.id
        assert sent["messages"][3] == {
            "role": "tool",
            "tool_call_id": call.id,
            "content": "Error: result text",
        }
        assert sent["stream_options"] == {"include_usage": True}


async def test_script_exhaustion_is_a_server_error(model_server: FakeModelServer) -> None:
    client = openai.AsyncOpenAI(api_key="k", base_url=model_server.openai_base_url, max_retries=0)
    try:
        await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    except openai.InternalServerError as exc:
        assert "script exhausted" in str(exc)
    else:
        raise AssertionError("expected a 500")
    finally:
        await client.close()


def test_script_json_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text(
        json.dumps({"turns": [[{"text": "x"}, {"drop": True}]], "default_turn": [{"delay": 0.1}]})
    )
    script = ModelScript.load(path)
    assert len(script.turns) == 1 and script.default_turn == [Delay(0.1)]
    try:
        parse_action({"explode": 1})
    except ValueError as exc:
        assert "unknown script action" in str(exc)
    else:
        raise AssertionError("unknown action accepted")


def test_standalone_entry_point_serves_the_script(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text(
        json.dumps({"turns": [[{"text": "from the script"}]], "default_turn": [{"text": "again"}]})
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.model_server", "--script", str(path), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        client = openai.OpenAI(api_key="k", base_url=f"{url}/v1", max_retries=0)
        try:
            texts = [
                client.chat.completions.create(model="m", messages=[{"role": "user", "content": "q"}])
                .choices[0]
                .message.content
                for _ in range(2)
            ]
        finally:
            client.close()
        assert texts == ["from the script", "again"]
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
