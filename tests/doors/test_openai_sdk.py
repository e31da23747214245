"""The OpenAI-compatible API (`/v1`) of a real `pam serve`, driven by the official `openai` SDK."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from pam.answer.prompts import SOURCES_HEAD
from tests.doors.conftest import HANDBOOK, Served, wait_for_seed
from tests.doors.mcp_checks import DAU_QUESTION, DAU_URI
from tests.fakes.model_script import Text, ToolUse
from tests.fakes.model_server import FakeModelServer
from tests.served import served


def client(base: str) -> OpenAI:
    return OpenAI(base_url=f"{base}/v1", api_key="not-needed-with-PAM_AUTH=none", max_retries=0, timeout=120)


def cited_uris(extra: dict[str, Any]) -> set[str]:
    return {c["uri"] for c in extra["citations"]}


def test_models_are_pam_and_one_per_project(handbook: Served) -> None:
    sdk = client(handbook.base)
    assert [m.id for m in sdk.models.list()] == ["pam", "pam/default"]
    assert sdk.models.retrieve("pam/default").id == "pam/default"
    with pytest.raises(openai.NotFoundError) as missing:
        sdk.models.retrieve("pam/no-such-project")
    assert missing.value.code == "model_not_found"


def test_a_completion_cites_the_expected_document_in_text_and_in_the_extra_field(handbook: Served) -> None:
    completion = client(handbook.base).chat.completions.create(
        model="pam", messages=[{"role": "user", "content": DAU_QUESTION}]
    )
    text = completion.choices[0].message.content or ""
    assert completion.choices[0].finish_reason == "stop" and "[1]" in text
    answer, _, sources = text.partition("\n\nSources:\n")
    assert answer and "[1] " in sources and DAU_URI in sources
    extra = completion.model_extra["pam"]  # type: ignore[index]
    assert DAU_URI in cited_uris(extra) and extra["conversation_id"] and extra["provider"] == "extractive"
    assert all(c["quote"] and c["segment_id"] and c["title"] for c in extra["citations"])
    usage = completion.usage
    assert usage is not None and usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_a_streamed_completion_ends_with_the_sources_and_the_citations(handbook: Served) -> None:
    stream = client(handbook.base).chat.completions.create(
        model="pam/default",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": DAU_QUESTION}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "[1]" in text and "\n\nSources:\n[1] " in text and DAU_URI in text
    last = [c for c in chunks if c.choices][-1]
    assert last.choices[0].finish_reason == "stop" and DAU_URI in cited_uris(last.model_extra["pam"])  # type: ignore[index]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")


def test_a_follow_up_continues_the_stored_conversation(handbook: Served) -> None:
    sdk = client(handbook.base)
    first = [{"role": "user", "content": "Is MAU the number of users active in the calendar month?"}]
    answer = sdk.chat.completions.create(model="pam", messages=first)  # type: ignore[arg-type]
    conversation = answer.model_extra["pam"]["conversation_id"]  # type: ignore[index]
    follow_up = [
        *first,
        {"role": "assistant", "content": answer.choices[0].message.content},
        {"role": "user", "content": "And which week is WAU for?"},
    ]
    second = sdk.chat.completions.create(model="pam", messages=follow_up)  # type: ignore[arg-type]
    assert second.model_extra["pam"]["conversation_id"] == conversation  # type: ignore[index]
    stored = httpx.get(f"{handbook.base}/api/conversations/{conversation}", timeout=30).json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant", "user", "assistant"]
    assert stored["messages"][2]["content"] == "And which week is WAU for?"
    assert "Sources:" not in stored["messages"][1]["content"]


def test_bad_requests_get_openai_style_errors(handbook: Served) -> None:
    sdk = client(handbook.base)
    with pytest.raises(openai.BadRequestError) as not_a_question:
        sdk.chat.completions.create(model="pam", messages=[{"role": "assistant", "content": "hello"}])
    assert not_a_question.value.code == "invalid_input"
    assert not_a_question.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError):
        sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.UnprocessableEntityError):
        sdk.chat.completions.create(model="pam", messages=[])


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture(scope="module")
def llm_served(tmp_path_factory: pytest.TempPathFactory, model_server: FakeModelServer) -> Iterator[str]:
    """`pam serve` answering with an OpenAI-compatible model (the fake server), on the DAU definition."""
    workdir = tmp_path_factory.mktemp("llm")
    seed = workdir / "seed"
    seed.mkdir()
    shutil.copyfile(HANDBOOK / DAU_URI, seed / "dau.md")
    settings = {
        "PAM_SEED_DIR": str(seed),
        "PAM_INGEST_ROOTS": str(seed),
        "PAM_LLM_PROVIDER": "openai",
        "PAM_LLM_MODEL": "fake",
        "PAM_OPENAI_API_KEY": "test",
        "PAM_OPENAI_BASE_URL": model_server.openai_base_url,
    }
    with served(workdir, **settings) as base:
        wait_for_seed(base)
        yield base


def test_the_history_reaches_the_model_on_a_follow_up(llm_served: str, model_server: FakeModelServer) -> None:
    model_server.set_script(
        [
            [ToolUse("search_knowledge", {"query": "daily active users"})],
            [Text("Active means a qualifying action in the UTC day [1].")],
            [Text("Yes: opening the app alone does not count, as said before [1].")],
        ]
    )
    start = len(model_server.requests)
    sdk = client(llm_served)
    first = [{"role": "user", "content": "What makes a user count as active?"}]
    answer = sdk.chat.completions.create(model="pam", messages=first)  # type: ignore[arg-type]
    assert "dau.md" in (answer.choices[0].message.content or "")
    stream = sdk.chat.completions.create(
        model="pam",
        messages=[  # type: ignore[arg-type]
            *first,
            {"role": "assistant", "content": answer.choices[0].message.content},
            {"role": "user", "content": "So is opening the app enough?"},
        ],
        stream=True,
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.startswith("Yes: opening the app alone does not count")
    follow_up = model_server.requests[start:][-1].body["messages"]
    said = [m for m in follow_up if m["role"] in ("user", "assistant")]
    assert said[0]["content"] == "What makes a user count as active?"
    assert "qualifying action in the UTC day" in said[1]["content"] and "Sources:" not in said[1]["content"]
    # The question comes last, after the passages its standalone form found (pre-retrieval).
    last = said[-1]["content"]
    assert last.startswith(SOURCES_HEAD) and last.endswith("So is opening the app enough?"), last
